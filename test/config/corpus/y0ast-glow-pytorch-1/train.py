import argparse
import os
import json
import random
from itertools import islice

import torch
import torch.optim as optim
import torch.utils.data as data

from ignite.contrib.handlers import ProgressBar
from ignite.engine import Engine, Events
from ignite.metrics import RunningAverage

from datasets import get_CIFAR10, get_SVHN
from model import Glow


def check_manual_seed(seed):
    seed = seed or random.randint(1, 10000)
    random.seed(seed)
    torch.manual_seed(seed)
    print('Using seed: {seed}'.format(seed=seed))


def compute_loss(nll, reduction='mean'):
    if reduction == 'mean':
        losses = {'nll': torch.mean(nll)}
    else:
        losses = {'nll': nll}
    losses['total_loss'] = losses['nll']
    return losses


def main(dataset, dataroot, download, augment, batch_size, epochs, seed,
         hidden_channels, K, L, actnorm_scale, flow_permutation, flow_coupling,
         LU_decomposed, learn_top, y_condition, max_grad_clip, max_grad_norm,
         lr, n_workers, cuda, n_init_batches, warmup_steps, output_dir):

    device = 'cpu' if (not torch.cuda.is_available() or not cuda) else 'cuda:0'
    check_manual_seed(seed)

    if dataset == 'cifar10':
        image_shape, num_classes, train_dataset, test_dataset = get_CIFAR10(augment, dataroot, download)
    else:
        image_shape, num_classes, train_dataset, test_dataset = get_SVHN(augment, dataroot, download)

    train_loader = data.DataLoader(train_dataset, batch_size=batch_size, shuffle=True,
                                   num_workers=n_workers, drop_last=True)

    model = Glow(image_shape, hidden_channels, K, L, actnorm_scale,
                 flow_permutation, flow_coupling, LU_decomposed, num_classes,
                 learn_top, y_condition)
    model = model.to(device)
    optimizer = optim.Adamax(model.parameters(), lr=lr, weight_decay=5e-5)

    def step(engine, batch):
        model.train()
        optimizer.zero_grad()

        x, y = batch
        x = x.to(device)
        z, nll, y_logits = model(x, None)
        losses = compute_loss(nll)

        losses['total_loss'].backward()

        if max_grad_clip > 0:
            torch.nn.utils.clip_grad_value_(model.parameters(), max_grad_clip)
        if max_grad_norm > 0:
            torch.nn.utils.clip_grad_norm_(model.parameters(), max_grad_norm)

        optimizer.step()
        return losses

    trainer = Engine(step)
    RunningAverage(output_transform=lambda x: x['total_loss']).attach(trainer, 'total_loss')
    ProgressBar().attach(trainer, metric_names=['total_loss'])

    @trainer.on(Events.STARTED)
    def init(engine):
        # data-dependent ActNorm initialisation on the first n_init_batches
        model.train()
        with torch.no_grad():
            init_batches = [b for b, _ in islice(train_loader, None, n_init_batches)]
            model(torch.cat(init_batches).to(device), None)

    trainer.run(train_loader, epochs)


if __name__ == '__main__':
    parser = argparse.ArgumentParser()
    parser.add_argument('--dataset', type=str, default='cifar10', choices=['cifar10', 'svhn'])
    parser.add_argument('--dataroot', type=str, default='./')
    parser.add_argument('--download', action='store_true')
    parser.add_argument('--no_augment', action='store_false', dest='augment')
    parser.add_argument('--hidden_channels', type=int, default=512)
    parser.add_argument('--K', type=int, default=32)
    parser.add_argument('--L', type=int, default=3)
    parser.add_argument('--actnorm_scale', type=float, default=1.0)
    parser.add_argument('--flow_permutation', type=str, default='invconv')
    parser.add_argument('--flow_coupling', type=str, default='affine')
    parser.add_argument('--no_LU_decomposed', action='store_false', dest='LU_decomposed')
    parser.add_argument('--no_learn_top', action='store_false', dest='learn_top')
    parser.add_argument('--y_condition', action='store_true')
    parser.add_argument('--max_grad_clip', type=float, default=0,
                        help='Max gradient value (clip above - for off)')
    parser.add_argument('--max_grad_norm', type=float, default=0,
                        help='Max norm of gradient (clip above - 0 for off)')
    parser.add_argument('--n_workers', type=int, default=6)
    parser.add_argument('--batch_size', type=int, default=64)
    parser.add_argument('--epochs', type=int, default=250)
    parser.add_argument('--lr', type=float, default=5e-4,
                        help='initial learning rate')
    parser.add_argument('--warmup_steps', type=int, default=4000,
                        help='Number of warmup steps for lr initialisation')
    parser.add_argument('--n_init_batches', type=int, default=8)
    parser.add_argument('--no_cuda', action='store_false', dest='cuda')
    parser.add_argument('--output_dir', default='output/')
    parser.add_argument('--seed', type=int, default=0, help='manual seed')

    args = parser.parse_args()
    kwargs = vars(args)
    os.makedirs(args.output_dir, exist_ok=True)
    with open(os.path.join(args.output_dir, 'hparams.json'), 'w') as fp:
        json.dump(kwargs, fp, sort_keys=True, indent=4)

    main(**kwargs)
