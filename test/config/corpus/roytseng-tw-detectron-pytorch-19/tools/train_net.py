""" Training script (epoch based) for Mask/Faster R-CNN in PyTorch (condensed) """
import argparse
import sys

import torch

import _init_paths  # pylint: disable=unused-import
from core.config import cfg, cfg_from_file, cfg_from_list
from modeling.model_builder import Generalized_RCNN
import utils.net as net_utils


def parse_args():
    parser = argparse.ArgumentParser(description='Train a X-RCNN network')
    parser.add_argument('--dataset', dest='dataset', required=True, help='Dataset to use')
    parser.add_argument('--cfg', dest='cfg_file', required=True, help='Config file for training')
    parser.add_argument('--set', dest='set_cfgs', default=None, nargs='+', help='Set config keys')
    parser.add_argument('--disp_interval', default=100, type=int, help='Display training info every N iterations')
    parser.add_argument('--bs', dest='batch_size', default=None, type=int,
                        help='Total batch size; overrides NUM_GPUS * TRAIN.IMS_PER_BATCH of the config')
    parser.add_argument('--nw', dest='num_workers', default=None, type=int, help='Loader threads')
    parser.add_argument('--lr', default=None, type=float, help='Base learning rate.')
    parser.add_argument('--epochs', dest='num_epochs', default=12, type=int)
    return parser.parse_args()


def main():
    args = parse_args()
    print('Called with args:')
    print(args)

    cfg_from_file(args.cfg_file)
    if args.set_cfgs is not None:
        cfg_from_list(args.set_cfgs)

    ### Adapt the config to the machine ###
    original_batch_size = cfg.NUM_GPUS * cfg.TRAIN.IMS_PER_BATCH
    if args.batch_size is None:
        args.batch_size = original_batch_size
    cfg.NUM_GPUS = torch.cuda.device_count()
    assert (args.batch_size % cfg.NUM_GPUS) == 0, \
        'batch_size: %d, NUM_GPUS: %d' % (args.batch_size, cfg.NUM_GPUS)
    cfg.TRAIN.IMS_PER_BATCH = args.batch_size // cfg.NUM_GPUS
    print('Batch size change from {} (in config file) to {}'.format(
        original_batch_size, args.batch_size))
    print('NUM_GPUs: %d, TRAIN.IMS_PER_BATCH: %d' % (cfg.NUM_GPUS, cfg.TRAIN.IMS_PER_BATCH))

    ### Scale the lr linearly with the batch size change
    old_base_lr = cfg.SOLVER.BASE_LR
    cfg.SOLVER.BASE_LR *= args.batch_size / original_batch_size
    print('Adjust BASE_LR linearly according to batch size change: {} --> {}'.format(
        old_base_lr, cfg.SOLVER.BASE_LR))

    if args.lr is not None:
        cfg.SOLVER.BASE_LR = args.lr

    maskRCNN = Generalized_RCNN()
    maskRCNN.cuda()
    params = [p for p in maskRCNN.parameters() if p.requires_grad]
    optimizer = torch.optim.SGD(params, lr=cfg.SOLVER.BASE_LR, momentum=cfg.SOLVER.MOMENTUM,
                                weight_decay=cfg.SOLVER.WEIGHT_DECAY)
    lr = optimizer.param_groups[0]['lr']

    dataloader, iters_per_epoch = net_utils.build_loader(args)
    maskRCNN = net_utils.data_parallel(maskRCNN)
    maskRCNN.train()
    for epoch in range(args.num_epochs):
        loss_avg = 0
        for step, input_data in zip(range(iters_per_epoch), dataloader):
            outputs = maskRCNN(**input_data)
            loss = (outputs['loss_rpn_cls'].mean() + outputs['loss_rpn_bbox'].mean()
                    + outputs['loss_rcnn_cls'].mean() + outputs['loss_rcnn_bbox'].mean())
            if cfg.MODEL.MASK_ON:
                loss += outputs['loss_rcnn_mask'].mean()
            loss_avg += loss.item()

            optimizer.zero_grad()
            loss.backward()
            optimizer.step()

            if (step + 1) % args.disp_interval == 0:
                loss_avg /= args.disp_interval
                print("[%s][epoch %2d][iter %4d / %4d]" % (cfg.RUN_NAME, epoch, step, iters_per_epoch))
                print("\t\tloss: %.4f, lr: %.2e" % (loss_avg, lr))
                print("\t\trpn_cls: %.4f, rpn_bbox: %.4f, rcnn_cls: %.4f, rcnn_bbox %.4f"
                      % (outputs['loss_rpn_cls'].mean().item(), outputs['loss_rpn_bbox'].mean().item(),
                         outputs['loss_rcnn_cls'].mean().item(), outputs['loss_rcnn_bbox'].mean().item()))
                if cfg.MODEL.MASK_ON:
                    print("\t\trcnn_mask %.4f" % outputs['loss_rcnn_mask'].mean().item())
                loss_avg = 0
        net_utils.save_ckpt(args, epoch, step, maskRCNN, optimizer, iters_per_epoch)


if __name__ == '__main__':
    main()
