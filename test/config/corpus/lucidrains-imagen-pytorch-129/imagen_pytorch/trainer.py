from contextlib import nullcontext
from functools import partial

import torch
from torch import nn
from torch.optim import Adam
from torch.optim.lr_scheduler import CosineAnnealingLR
from torch.cuda.amp import GradScaler
import pytorch_warmup as warmup
from accelerate import Accelerator, DistributedDataParallelKwargs

def exists(val):
    return val is not None

class ImagenTrainer(nn.Module):
    def __init__(
        self,
        imagen,
        lr = 1e-4,
        eps = 1e-8,
        beta1 = 0.9,
        beta2 = 0.99,
        max_grad_norm = None,
        warmup_steps = None,
        cosine_decay_max_steps = None,
        fp16 = False,
        split_batches = True
    ):
        super().__init__()
        self.imagen = imagen

        self.accelerator = Accelerator(
            split_batches = split_batches,
            mixed_precision = 'fp16' if fp16 else 'no',
            kwargs_handlers = [DistributedDataParallelKwargs(find_unused_parameters = True)]
        )

        self.optimizers, self.scalers, self.schedulers, self.warmups = [], [], [], []
        for unet in self.imagen.unets:
            optimizer = Adam(unet.parameters(), lr = lr, eps = eps, betas = (beta1, beta2))
            self.optimizers.append(optimizer)
            self.scalers.append(GradScaler(enabled = fp16))
            self.schedulers.append(CosineAnnealingLR(optimizer, T_max = cosine_decay_max_steps) if exists(cosine_decay_max_steps) else None)
            self.warmups.append(warmup.LinearWarmup(optimizer, warmup_period = warmup_steps) if exists(warmup_steps) else None)

        self.max_grad_norm = max_grad_norm
        self.unets = self.accelerator.prepare(*self.imagen.unets)

    def update(self, unet_number = 1):
        index = unet_number - 1
        unet = self.imagen.unets[index]
        optimizer = self.optimizers[index]

        if exists(self.max_grad_norm):
            self.accelerator.clip_grad_norm_(unet.parameters(), self.max_grad_norm)

        optimizer.step()
        optimizer.zero_grad()

        warmup_scheduler, scheduler = self.warmups[index], self.schedulers[index]
        with (warmup_scheduler.dampening() if exists(warmup_scheduler) else nullcontext()):
            if exists(scheduler):
                scheduler.step()

    def forward(self, images, texts = None, unet_number = 1):
        with self.accelerator.autocast():
            loss = self.imagen(images, texts = texts, unet_number = unet_number)
        self.accelerator.backward(loss)
        return loss.item()
