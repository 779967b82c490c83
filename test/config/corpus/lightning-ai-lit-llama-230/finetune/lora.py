"""
Instruction-tuning with LoRA on the Alpaca dataset (condensed).
"""
import os
import sys
import time
from pathlib import Path

import lightning as L
import numpy as np
import torch

wd = Path(__file__).parent.parent.resolve()
sys.path.append(str(wd))

from lit_llama.lora import mark_only_lora_as_trainable, lora, lora_state_dict
from lit_llama.model import LLaMA, LLaMAConfig

eval_interval = 100
save_interval = 100
eval_iters = 100
log_interval = 1

# Hyperparameters
learning_rate = 3e-4
batch_size = 128
micro_batch_size = 4
gradient_accumulation_steps = batch_size // micro_batch_size
max_iters = 50000 * 3 // micro_batch_size
weight_decay = 0.0
max_seq_length = 256
lora_r = 8
lora_alpha = 16
lora_dropout = 0.05
warmup_steps = 100


def main(
    data_dir: str = "data/alpaca",
    pretrained_path: str = "checkpoints/lit-llama/7B/lit-llama.pth",
    out_dir: str = "out/lora/alpaca",
):
    # V100: no bfloat16, so the whole model (LoRA weights included) is created in float16
    fabric = L.Fabric(accelerator="cuda", devices=1, precision="16-true")
    fabric.launch()
    fabric.seed_everything(1337 + fabric.global_rank)
    os.makedirs(out_dir, exist_ok=True)

    train_data = torch.load(os.path.join(data_dir, "train.pt"))

    config = LLaMAConfig.from_name("7B")
    config.block_size = max_seq_length
    checkpoint = torch.load(pretrained_path)

    with fabric.init_module(), lora(r=lora_r, alpha=lora_alpha, dropout=lora_dropout, enabled=True):
        model = LLaMA(config)
        model.load_state_dict(checkpoint, strict=False)  # LoRA weights are not in the checkpoint

    mark_only_lora_as_trainable(model)

    optimizer = torch.optim.AdamW(model.parameters(), lr=learning_rate)
    model, optimizer = fabric.setup(model, optimizer)
    train(fabric, model, optimizer, train_data)

    fabric.save(os.path.join(out_dir, "lit-llama-lora-finetuned.pth"), lora_state_dict(model))


def train(fabric, model, optimizer, train_data):
    step_count = 0
    for iter_num in range(max_iters):
        if step_count <= warmup_steps:
            # linear warmup
            lr = learning_rate * step_count / warmup_steps
            for param_group in optimizer.param_groups:
                param_group["lr"] = lr

        t0 = time.time()
        input_ids, targets = get_batch(fabric, train_data)
        logits = model(input_ids)
        loss = loss_fn(logits, targets)
        fabric.backward(loss)

        if (iter_num + 1) % gradient_accumulation_steps == 0:
            optimizer.step()
            optimizer.zero_grad()
            step_count += 1

        dt = time.time() - t0
        if iter_num % log_interval == 0:
            fabric.print(f"iter {iter_num}: loss {loss.item():.4f}, time: {dt*1000:.2f}ms")


def loss_fn(logits, targets):
    logits = logits[..., :-1, :].contiguous()
    targets = targets[..., 1:].contiguous()
    return torch.nn.functional.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1), ignore_index=-1)


def get_batch(fabric, data):
    ix = torch.randint(len(data), (micro_batch_size,))
    input_ids = [data[i]["input_ids"].type(torch.int64) for i in ix]
    labels = [data[i]["labels"].type(torch.int64) for i in ix]
    max_len = max(len(s) for s in input_ids)
    pad = lambda x, v: torch.cat((x, torch.full((max_len - len(x),), v, dtype=x.dtype)))
    x = torch.stack([pad(x, 0) for x in input_ids])
    y = torch.stack([pad(x, -1) for x in labels])
    return fabric.to_device((x.pin_memory(), y.pin_memory()))


if __name__ == "__main__":
    torch.set_float32_matmul_precision("high")
    from jsonargparse.cli import CLI

    CLI(main)
