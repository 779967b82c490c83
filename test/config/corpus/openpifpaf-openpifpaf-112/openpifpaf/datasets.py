import torch

from .data import CocoKeypoints

ANNOTATIONS_TRAIN = 'data-mscoco/annotations/person_keypoints_train2017.json'
IMAGE_DIR_TRAIN = 'data-mscoco/images/train2017/'


def train_cli(parser):
    group = parser.add_argument_group('dataset and loader')
    group.add_argument('--train-annotations', default=ANNOTATIONS_TRAIN)
    group.add_argument('--train-image-dir', default=IMAGE_DIR_TRAIN)
    group.add_argument('--n-images', default=None, type=int,
                       help='number of images to sample')
    group.add_argument('--loader-workers', default=2, type=int,
                       help='number of workers for data loading')
    group.add_argument('--batch-size', default=8, type=int,
                       help='batch size')


def train_factory(args, preprocess, target_transforms):
    train_data = CocoKeypoints(root=args.train_image_dir, annFile=args.train_annotations,
                               preprocess=preprocess, target_transforms=target_transforms,
                               n_images=args.n_images)
    return torch.utils.data.DataLoader(train_data, batch_size=args.batch_size, shuffle=True,
                                       pin_memory=args.pin_memory, num_workers=args.loader_workers,
                                       drop_last=True)
