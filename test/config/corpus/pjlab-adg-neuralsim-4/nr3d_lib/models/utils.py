import numpy as np

import torch
import torch.nn as nn
from torch import optim


def get_optimizer(model: nn.Module, **optim_cfg):
    param_groups = get_param_group(model, optim_cfg['lr'])
    if 'optimizer' not in optim_cfg:
        optimizer = optim.Adam(param_groups)
    else:
        optimizer = optim.Adam(param_groups, **optim_cfg['optimizer'])
    return optimizer

def CosineAnnealWarmUpSchedulerLambda(total_steps: int, warmup_steps: int = 0, min_factor: float=0.1):
    assert 0 <= min_factor < 1
    def lambda_fn(epoch):
        # Follows the NeuS warm-up + cosine schedule
        if epoch < warmup_steps:
            learning_factor = epoch / warmup_steps
        else:
            learning_factor = (np.cos(np.pi * ((epoch - warmup_steps) / (total_steps - warmup_steps))) + 1.0) * 0.5 * (1-min_factor) + min_factor
        return learning_factor
    return lambda_fn

def ExponentialSchedulerLambda(total_steps: int, warmup_steps: int = 0, min_factor: float=0.1):
    assert 0 <= min_factor < 1
    def lambda_fn(epoch):
        if epoch < warmup_steps:
            learning_factor = epoch / warmup_steps
        else:
            t = np.clip((epoch-warmup_steps) / (total_steps-warmup_steps), 0, 1)
            learning_factor = np.exp(t * np.log(min_factor))
        return learning_factor
    return lambda_fn

def get_scheduler(config, optimizer, last_epoch: int=-1):
    stype = config['type']
    if stype == 'multistep':
        scheduler = optim.lr_scheduler.MultiStepLR(
            optimizer, config['milestones'], gamma=config['gamma'], last_epoch=last_epoch)
    elif stype == 'warmupcosine':
        scheduler = optim.lr_scheduler.LambdaLR(
            optimizer,
            CosineAnnealWarmUpSchedulerLambda(
                total_steps=config['num_iters'],
                warmup_steps=config.setdefault('warmup_steps', 0),
                min_factor=config.setdefault('min_factor', 0.1)),
            last_epoch=last_epoch)
    elif stype == 'exponential_step':
        scheduler = optim.lr_scheduler.LambdaLR(
            optimizer,
            ExponentialSchedulerLambda(
                total_steps=config['num_iters'],
                warmup_steps=config.setdefault('warmup_steps', 0),
                min_factor=config.setdefault('min_factor', 0.1)))
    else:
        raise NotImplementedError
    return scheduler
