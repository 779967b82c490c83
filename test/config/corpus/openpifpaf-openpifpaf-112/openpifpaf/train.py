"""Train a pifpaf network."""

import argparse
import datetime

import torch

from . import datasets, encoder, logs, optimize, transforms
from .network import losses, nets, Trainer


def default_output_file(args):
    out = 'outputs/{}-{}'.format(args.basenet, '-'.join(args.headnets))
    if args.square_edge != 321:
        out += '-edge{}'.format(args.square_edge)
    return out + '-{}.pkl'.format(datetime.datetime.now().strftime('%y%m%d-%H%M%S'))


def cli():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    logs.cli(parser)
    nets.cli(parser)
    losses.cli(parser)
    encoder.cli(parser)
    optimize.cli(parser)
    datasets.train_cli(parser)
    parser.add_argument('-o', '--output', default=None, help='output file')
    parser.add_argument('--epochs', default=75, type=int, help='number of epochs to train')
    parser.add_argument('--freeze-base', default=0, type=int,
                        help='number of epochs to train with frozen base')
    parser.add_argument('--pre-lr', type=float, default=1e-4, help='pre learning rate')
    parser.add_argument('--square-edge', default=401, type=int, help='square edge of input images')
    parser.add_argument('--ema', default=1e-3, type=float, help='ema decay constant')
    args = parser.parse_args()
    if args.output is None:
        args.output = default_output_file(args)
    args.device = torch.device('cuda' if torch.cuda.is_available() else 'cpu')
    args.pin_memory = torch.cuda.is_available()
    return args


def main():
    args = cli()
    logs.configure(args)  # JSON log next to the checkpoint: <output>.log
    net_cpu, start_epoch = nets.factory_from_args(args)
    net = net_cpu.to(device=args.device)
    if torch.cuda.device_count() > 1:
        print('Using multiple GPUs: {}'.format(torch.cuda.device_count()))
        net = torch.nn.DataParallel(net)

    optimizer, lr_scheduler = optimize.factory(args, net.parameters())
    loss = losses.factory_from_args(args)
    target_transforms = encoder.factory(args, net_cpu.io_scales())
    preprocess = transforms.Compose([transforms.NormalizeAnnotations(), transforms.Crop(args.square_edge),
                                     transforms.CenterPad(args.square_edge), transforms.TRAIN_TRANSFORM])
    train_loader = datasets.train_factory(args, preprocess, target_transforms)

    trainer = Trainer(net, loss, optimizer, args.output, lr_scheduler=lr_scheduler, device=args.device,
                      ema_decay=args.ema)
    trainer.loop(train_loader, None, args.epochs, start_epoch=start_epoch)


if __name__ == '__main__':
    main()
