# YOLOv5 training (abridged to the optimizer, AMP and loss path)
import argparse
import math

import numpy as np
import torch
import torch.optim as optim
import torch.optim.lr_scheduler as lr_scheduler
import yaml
from torch.cuda import amp

from models.yolo import Model
from utils.datasets import create_dataloader
from utils.general import compute_loss


def train(hyp, opt, device):
    epochs, batch_size, total_batch_size = opt.epochs, opt.batch_size, opt.total_batch_size
    cuda = device.type != 'cpu'
    model = Model(opt.cfg, ch=3, nc=opt.nc).to(device)
    model.hyp = hyp
    model.gr = 1.0

    # Optimizer
    nbs = 64  # reference batch the hyps were tuned for
    accumulate = max(round(nbs / total_batch_size), 1)  # gradient accumulation steps
    hyp['weight_decay'] *= total_batch_size * accumulate / nbs  # keep decay per image constant

    pg0, pg1, pg2 = [], [], []  # no-decay / decay / bias groups
    for k, v in model.named_parameters():
        v.requires_grad = True
        if '.bias' in k:
            pg2.append(v)  # bias terms
        elif '.weight' in k and '.bn' not in k:
            pg1.append(v)  # conv weights, decayed
        else:
            pg0.append(v)  # BN and the rest

    if opt.adam:
        optimizer = optim.Adam(pg0, lr=hyp['lr0'], betas=(hyp['momentum'], 0.999))  # momentum doubles as beta1
    else:
        optimizer = optim.SGD(pg0, lr=hyp['lr0'], momentum=hyp['momentum'], nesterov=True)
    optimizer.add_param_group({'params': pg1, 'weight_decay': hyp['weight_decay']})
    optimizer.add_param_group({'params': pg2})

    lf = lambda x: (((1 + math.cos(x * math.pi / epochs)) / 2) ** 1.0) * 0.8 + 0.2  # cosine
    scheduler = lr_scheduler.LambdaLR(optimizer, lr_lambda=lf)

    dataloader, dataset = create_dataloader(opt.data_train, opt.img_size, batch_size, 32, opt, hyp=hyp, augment=True)
    nb = len(dataloader)
    nw = max(3 * nb, 1e3)  # number of warmup iterations, max(3 epochs, 1k iterations)
    scaler = amp.GradScaler(enabled=cuda)

    for epoch in range(epochs):
        model.train()
        optimizer.zero_grad()
        for i, (imgs, targets, paths, _) in enumerate(dataloader):
            ni = i + nb * epoch
            imgs = imgs.to(device, non_blocking=True).float() / 255.0

            # Warmup
            if ni <= nw:
                xi = [0, nw]
                accumulate = max(1, np.interp(ni, xi, [1, nbs / total_batch_size]).round())
                for j, x in enumerate(optimizer.param_groups):
                    x['lr'] = np.interp(ni, xi, [0.1 if j == 2 else 0.0, x['initial_lr'] * lf(epoch)])

            # Autocast
            with amp.autocast(enabled=cuda):
                pred = model(imgs)
                loss, loss_items = compute_loss(pred, targets.to(device), model)  # scaled by batch_size
                if opt.local_rank != -1:
                    loss *= opt.world_size  # gradient averaged between devices in DDP mode

            # Backward
            scaler.scale(loss).backward()

            # Optimize
            if ni % accumulate == 0:
                scaler.step(optimizer)
                scaler.update()
                optimizer.zero_grad()
        scheduler.step()


if __name__ == '__main__':
    parser = argparse.ArgumentParser()
    parser.add_argument('--weights', type=str, default='yolov5s.pt')
    parser.add_argument('--cfg', type=str, default='')
    parser.add_argument('--data', type=str, default='data/coco128.yaml')
    parser.add_argument('--hyp', type=str, default='data/hyp.scratch.yaml')
    parser.add_argument('--epochs', type=int, default=300)
    parser.add_argument('--batch-size', type=int, default=16, help='total batch size for all GPUs')
    parser.add_argument('--img-size', nargs='+', type=int, default=[640, 640])
    parser.add_argument('--device', default='')
    parser.add_argument('--adam', action='store_true', help='use torch.optim.Adam() optimizer')
    parser.add_argument('--local_rank', type=int, default=-1)
    opt = parser.parse_args()
    with open(opt.hyp) as f:
        hyp = yaml.load(f, Loader=yaml.FullLoader)
    train(hyp, opt, torch.device('cuda'))
