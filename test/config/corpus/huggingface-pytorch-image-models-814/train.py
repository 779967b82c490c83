#!/usr/bin/env python3
""" ImageNet training script (condensed) """
import argparse
import logging
import time

import torch
import torch.nn as nn
from timm.data import create_dataset, create_loader, resolve_data_config
from timm.models import create_model
from timm.optim import create_optimizer_v2
from timm.scheduler import create_scheduler
from timm.utils import AverageMeter, ModelEmaV2, NativeScaler, setup_default_logging

_logger = logging.getLogger('train')

parser = argparse.ArgumentParser(description='PyTorch ImageNet Training')
parser.add_argument('data_dir', metavar='DIR', help='path to dataset')
parser.add_argument('--model', default='resnet50', type=str, metavar='MODEL')
parser.add_argument('-b', '--batch-size', type=int, default=32, metavar='N',
                    help='images per step')
parser.add_argument('-j', '--workers', type=int, default=4, metavar='N')
parser.add_argument('--opt', default='sgd', type=str, metavar='OPTIMIZER')
parser.add_argument('--opt-eps', default=None, type=float, metavar='EPSILON',
                    help='optimizer eps (None: the optimizer default)')
parser.add_argument('--momentum', type=float, default=0.9, metavar='M')
parser.add_argument('--weight-decay', type=float, default=0.0001)
parser.add_argument('--clip-grad', type=float, default=None, metavar='NORM',
                    help='max grad norm (None: no clipping)')
parser.add_argument('--sched', default='step', type=str, metavar='SCHEDULER')
parser.add_argument('--lr', type=float, default=0.01, metavar='LR',
                    help='base learning rate')
parser.add_argument('--lr-noise', type=float, nargs='+', default=None, metavar='pct, pct')
parser.add_argument('--warmup-lr', type=float, default=0.0001, metavar='LR')
parser.add_argument('--epochs', type=int, default=200, metavar='N')
parser.add_argument('--decay-epochs', type=float, default=30, metavar='N')
parser.add_argument('--warmup-epochs', type=int, default=3, metavar='N',
                    help='linear warmup length in epochs')
parser.add_argument('--decay-rate', '--dr', type=float, default=0.1, metavar='RATE')
parser.add_argument('--drop', type=float, default=0.0)
parser.add_argument('--drop-connect', type=float, default=None)
parser.add_argument('--aa', type=str, default=None)
parser.add_argument('--reprob', type=float, default=0.)
parser.add_argument('--remode', type=str, default='const')
parser.add_argument('--model-ema', action='store_true', default=False)
parser.add_argument('--model-ema-decay', type=float, default=0.9998)
parser.add_argument('--amp', action='store_true', default=False,
                    help='mixed precision with torch.cuda.amp')
parser.add_argument('--log-interval', type=int, default=50)
parser.add_argument('--local_rank', default=0, type=int)


def train_one_epoch(epoch, model, loader, optimizer, loss_fn, args, lr_scheduler, loss_scaler, model_ema):
    model.train()
    losses_m, batch_time_m, data_time_m = AverageMeter(), AverageMeter(), AverageMeter()
    last_idx = len(loader) - 1
    end = time.time()
    for batch_idx, (input, target) in enumerate(loader):
        data_time_m.update(time.time() - end)
        with torch.cuda.amp.autocast(enabled=args.amp):
            loss = loss_fn(model(input), target)
        losses_m.update(loss.item(), input.size(0))

        optimizer.zero_grad()
        if loss_scaler is not None:
            loss_scaler(loss, optimizer, clip_grad=args.clip_grad, parameters=model.parameters())
        else:
            loss.backward()
            optimizer.step()
        if model_ema is not None:
            model_ema.update(model)

        batch_time_m.update(time.time() - end)
        if batch_idx == last_idx or batch_idx % args.log_interval == 0:
            lr = optimizer.param_groups[0]['lr']
            _logger.info(
                'Train: {} [{:>4d}/{} ({:>3.0f}%)]  '
                'Loss: {loss.val:>9.6f} ({loss.avg:>6.4f})  '
                'Time: {batch_time.val:.3f}s, {rate:>7.2f}/s  '
                '({batch_time.avg:.3f}s, {rate_avg:>7.2f}/s)  '
                'LR: {lr:.3e}  '
                'Data: {data_time.val:.3f} ({data_time.avg:.3f})'.format(
                    epoch, batch_idx, len(loader), 100. * batch_idx / last_idx,
                    loss=losses_m, batch_time=batch_time_m,
                    rate=input.size(0) / batch_time_m.val, rate_avg=input.size(0) / batch_time_m.avg,
                    lr=lr, data_time=data_time_m))
        end = time.time()


def main():
    setup_default_logging()
    args = parser.parse_args()
    model = create_model(args.model, pretrained=False, drop_rate=args.drop, drop_connect_rate=args.drop_connect).cuda()
    optimizer = create_optimizer_v2(model, opt=args.opt, lr=args.lr, weight_decay=args.weight_decay,
                                    momentum=args.momentum, eps=args.opt_eps)
    loss_scaler = NativeScaler() if args.amp else None
    model_ema = ModelEmaV2(model, decay=args.model_ema_decay) if args.model_ema else None
    lr_scheduler, num_epochs = create_scheduler(args, optimizer)

    dataset_train = create_dataset('', root=args.data_dir, split='train', is_training=True)
    loader_train = create_loader(dataset_train, input_size=(3, 224, 224), batch_size=args.batch_size, is_training=True,
                                 auto_augment=args.aa, re_prob=args.reprob, re_mode=args.remode,
                                 num_workers=args.workers)
    loss_fn = nn.CrossEntropyLoss().cuda()

    for epoch in range(num_epochs):
        train_one_epoch(epoch, model, loader_train, optimizer, loss_fn, args, lr_scheduler, loss_scaler, model_ema)
        lr_scheduler.step(epoch + 1)


if __name__ == '__main__':
    main()
