# Train YOLOv7 P6 models with the auxiliary head (abridged)
import argparse
import math

import numpy as np
import torch.optim as optim
import torch.optim.lr_scheduler as lr_scheduler
import yaml
from torch.cuda import amp

from utils.loss import ComputeLossAuxOTA
from utils.general import one_cycle


def train(hyp, opt, device, model, dataloader, nb):
    epochs, batch_size = opt.epochs, opt.batch_size
    cuda = device.type != 'cpu'

    nbs = 64  # nominal batch size
    accumulate = max(round(nbs / batch_size), 1)
    hyp['weight_decay'] *= batch_size * accumulate / nbs

    pg0, pg1, pg2 = model.param_groups()  # bn weights / conv weights / biases
    if opt.adam:
        optimizer = optim.Adam(pg0, lr=hyp['lr0'], betas=(hyp['momentum'], 0.999))
    else:
        optimizer = optim.SGD(pg0, lr=hyp['lr0'], momentum=hyp['momentum'], nesterov=True)
    optimizer.add_param_group({'params': pg1, 'weight_decay': hyp['weight_decay']})
    optimizer.add_param_group({'params': pg2})

    lf = one_cycle(1, hyp['lrf'], epochs)
    scheduler = lr_scheduler.LambdaLR(optimizer, lr_lambda=lf)

    nw = max(round(hyp['warmup_epochs'] * nb), 1000)  # warmup iterations
    scaler = amp.GradScaler(enabled=cuda)
    compute_loss_ota = ComputeLossAuxOTA(model)

    for epoch in range(epochs):
        model.train()
        optimizer.zero_grad()
        for i, (imgs, targets, paths, _) in enumerate(dataloader):
            ni = i + nb * epoch
            imgs = imgs.to(device, non_blocking=True).float() / 255.0

            if ni <= nw:
                xi = [0, nw]
                accumulate = max(1, np.interp(ni, xi, [1, nbs / batch_size]).round())
                for j, x in enumerate(optimizer.param_groups):
                    x['lr'] = np.interp(ni, xi, [hyp['warmup_bias_lr'] if j == 2 else 0.0, x['initial_lr'] * lf(epoch)])
                    if 'momentum' in x:
                        x['momentum'] = np.interp(ni, xi, [hyp['warmup_momentum'], hyp['momentum']])

            with amp.autocast(enabled=cuda):
                pred = model(imgs)
                loss, loss_items = compute_loss_ota(pred, targets.to(device), imgs)

            scaler.scale(loss).backward()

            if ni % accumulate == 0:
                scaler.step(optimizer)
                scaler.update()
                optimizer.zero_grad()
        scheduler.step()


if __name__ == '__main__':
    parser = argparse.ArgumentParser()
    parser.add_argument('--weights', type=str, default='yolo7.pt', help='initial weights path')
    parser.add_argument('--cfg', type=str, default='', help='model.yaml path')
    parser.add_argument('--data', type=str, default='data/coco.yaml', help='data.yaml path')
    parser.add_argument('--hyp', type=str, default='data/hyp.scratch.p5.yaml', help='hyperparameters path')
    parser.add_argument('--epochs', type=int, default=300)
    parser.add_argument('--batch-size', type=int, default=16, help='total batch size for all GPUs')
    parser.add_argument('--img-size', nargs='+', type=int, default=[640, 640], help='[train, test] image sizes')
    parser.add_argument('--device', default='', help='cuda device, i.e. 0 or 0,1,2,3 or cpu')
    parser.add_argument('--adam', action='store_true', help='use torch.optim.Adam() optimizer')
    parser.add_argument('--name', default='exp', help='save to project/name')
    opt = parser.parse_args()

    with open(opt.hyp) as f:
        hyp = yaml.load(f, Loader=yaml.SafeLoader)
