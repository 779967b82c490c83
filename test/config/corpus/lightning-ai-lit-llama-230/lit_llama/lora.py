import math
from contextlib import contextmanager

import torch
import torch.nn as nn


class LoRALayer:
    def __init__(self, r: int, lora_alpha: int, lora_dropout: float):
        self.r = r
        self.lora_alpha = lora_alpha
        self.lora_dropout = nn.Dropout(p=lora_dropout) if lora_dropout > 0. else (lambda x: x)
        self.scaling = lora_alpha / r


class MergedLinear(nn.Linear, LoRALayer):
    def __init__(self, in_features, out_features, r=0, lora_alpha=1, lora_dropout=0., **kwargs):
        nn.Linear.__init__(self, in_features, out_features, **kwargs)
        LoRALayer.__init__(self, r=r, lora_alpha=lora_alpha, lora_dropout=lora_dropout)
        self.lora_A = nn.Parameter(self.weight.new_zeros((r, in_features)))
        self.lora_B = nn.Parameter(self.weight.new_zeros((out_features, r)))
        nn.init.kaiming_uniform_(self.lora_A, a=math.sqrt(5))

    def forward(self, x):
        result = nn.functional.linear(x, self.weight, bias=self.bias)
        return result + (self.lora_dropout(x) @ self.lora_A.T @ self.lora_B.T) * self.scaling


def mark_only_lora_as_trainable(model: nn.Module) -> None:
    # every parameter whose name does not contain "lora_" is frozen
    for n, p in model.named_parameters():
        if "lora_" not in n:
            p.requires_grad = False


def lora_state_dict(model: nn.Module):
    return {k: v for k, v in model.state_dict().items() if "lora_" in k}


@contextmanager
def lora(r, alpha, dropout, enabled: bool = True):
    from lit_llama import model as llama

    if not enabled:
        yield
        return
    original = llama.CausalSelfAttention.__init__

    def patched(self, config):
        original(self, config)
        self.c_attn = MergedLinear(config.n_embd, 3 * config.n_embd, r=r, lora_alpha=alpha, lora_dropout=dropout, bias=False)

    llama.CausalSelfAttention.__init__ = patched
    yield
    llama.CausalSelfAttention.__init__ = original
