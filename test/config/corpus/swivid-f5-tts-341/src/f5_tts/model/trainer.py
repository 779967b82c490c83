from __future__ import annotations

import torch
from accelerate import Accelerator
from accelerate.utils import DistributedDataParallelKwargs
from torch.optim import AdamW
from torch.optim.lr_scheduler import LinearLR, SequentialLR
from torch.utils.data import DataLoader
from tqdm import tqdm

from f5_tts.model.dataset import DynamicBatchSampler, collate_fn


class Trainer:
    def __init__(
        self,
        model,
        epochs,
        learning_rate,
        num_warmup_updates=20000,
        save_per_updates=1000,
        checkpoint_path=None,
        batch_size=32,
        batch_size_type="sample",
        max_samples=32,
        grad_accumulation_steps=1,
        max_grad_norm=1.0,
        logger=None,
        last_per_steps=None,
        accelerate_kwargs: dict = dict(),
        bnb_optimizer: bool = False,
    ):
        # precision comes from `accelerate launch --mixed_precision=...`
        self.accelerator = Accelerator(
            kwargs_handlers=[DistributedDataParallelKwargs(find_unused_parameters=True)],
            gradient_accumulation_steps=grad_accumulation_steps,
            **accelerate_kwargs,
        )
        self.model = model
        self.epochs = epochs
        self.num_warmup_updates = num_warmup_updates
        self.batch_size = batch_size
        self.batch_size_type = batch_size_type
        self.max_samples = max_samples
        self.max_grad_norm = max_grad_norm

        if bnb_optimizer:
            import bitsandbytes as bnb

            self.optimizer = bnb.optim.AdamW8bit(model.parameters(), lr=learning_rate)
        else:
            self.optimizer = AdamW(model.parameters(), lr=learning_rate)
        self.model, self.optimizer = self.accelerator.prepare(self.model, self.optimizer)

    def train(self, train_dataset, resumable_with_seed=None):
        sampler = DynamicBatchSampler(train_dataset, self.batch_size, max_samples=self.max_samples, random_seed=resumable_with_seed)
        train_dataloader = DataLoader(train_dataset, collate_fn=collate_fn, batch_sampler=sampler, num_workers=16, pin_memory=True)

        total_steps = len(train_dataloader) * self.epochs
        warmup_steps = self.num_warmup_updates * self.accelerator.num_processes
        warmup = LinearLR(self.optimizer, start_factor=1e-8, end_factor=1.0, total_iters=warmup_steps)
        decay = LinearLR(self.optimizer, start_factor=1.0, end_factor=1e-8, total_iters=total_steps - warmup_steps)
        self.scheduler = SequentialLR(self.optimizer, schedulers=[warmup, decay], milestones=[warmup_steps])
        train_dataloader, self.scheduler = self.accelerator.prepare(train_dataloader, self.scheduler)

        global_step = 0
        for epoch in range(self.epochs):
            self.model.train()
            progress_bar = tqdm(train_dataloader, desc=f"Epoch {epoch+1}/{self.epochs}", unit="step")
            for batch in progress_bar:
                with self.accelerator.accumulate(self.model):
                    mel_spec = batch["mel"].permute(0, 2, 1)
                    loss, cond, pred = self.model(mel_spec, text=batch["text"], lens=batch["mel_lengths"])
                    self.accelerator.backward(loss)

                    if self.max_grad_norm > 0 and self.accelerator.sync_gradients:
                        self.accelerator.clip_grad_norm_(self.model.parameters(), self.max_grad_norm)

                    self.optimizer.step()
                    self.scheduler.step()
                    self.optimizer.zero_grad()

                global_step += 1
                progress_bar.set_postfix(step=str(global_step), loss=loss.item())
