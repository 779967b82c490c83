import torch
from torch import nn
from torch.optim import AdamW
from torch.optim.lr_scheduler import CosineAnnealingLR
from torch.utils.data import DataLoader
from accelerate import Accelerator


def cycle(dl):
    while True:
        for batch in dl:
            yield batch


class SoundStormTrainer(nn.Module):
    def __init__(
        self,
        model,
        *,
        num_train_steps,
        num_warmup_steps,
        batch_size,
        dataset,
        lr = 3e-4,
        initial_lr = 1e-5,
        grad_accum_every = 1,
        wd = 0.,
        max_grad_norm = 0.5,
        accelerate_kwargs: dict = dict(),
    ):
        super().__init__()
        self.accelerator = Accelerator(**accelerate_kwargs)
        self.model = model
        self.num_train_steps = num_train_steps
        self.num_warmup_steps = num_warmup_steps
        self.grad_accum_every = grad_accum_every
        self.lr, self.initial_lr = lr, initial_lr

        self.optim = AdamW(model.parameters(), lr = lr, weight_decay = wd)
        self.scheduler = CosineAnnealingLR(self.optim, T_max = num_train_steps)
        self.max_grad_norm = max_grad_norm

        self.dl = DataLoader(dataset, batch_size = batch_size, shuffle = True, drop_last = True)
        self.model, self.optim, self.dl = self.accelerator.prepare(self.model, self.optim, self.dl)
        self.dl_iter = cycle(self.dl)
        self.steps = 0

    def warmup(self, step):
        return self.initial_lr + (self.lr - self.initial_lr) * step / self.num_warmup_steps

    def train_step(self):
        steps = self.steps
        self.model.train()

        if steps < self.num_warmup_steps:
            for group in self.optim.param_groups:
                group['lr'] = self.warmup(steps)
        else:
            self.scheduler.step()

        total = 0.
        for _ in range(self.grad_accum_every):
            semantic_token_ids, acoustic_token_ids = next(self.dl_iter)
            loss, _ = self.model(acoustic_token_ids, cond_semantic_token_ids = semantic_token_ids)
            self.accelerator.backward(loss / self.grad_accum_every)
            total += loss.item() / self.grad_accum_every

        if self.max_grad_norm is not None:
            self.accelerator.clip_grad_norm_(self.model.parameters(), self.max_grad_norm)

        self.optim.step()
        self.optim.zero_grad()

        self.accelerator.print(f"{steps}: loss: {total:0.3f}, generator loss: {total:0.3f}, critic loss: {0.:0.3f}")
        self.steps += 1

    def train(self):
        while self.steps < self.num_train_steps:
            self.train_step()
