import math
from random import random, randrange
from typing import Union

import torch
import torch.nn.functional as F
from torch import nn, Tensor
from einops import rearrange


def exists(val):
    return val is not None

def coin_flip():
    return random() < 0.5

# pick a random subset of the True positions of `mask`, about `prob` of them per row

def get_mask_subset_prob(mask: Tensor, prob: Union[float, Tensor], min_mask: int = 0):
    batch, seq, device = *mask.shape, mask.device

    if isinstance(prob, Tensor):
        prob = rearrange(prob, 'b -> b 1')

    num_to_mask = (mask.sum(dim = -1, keepdim = True) * prob).clamp(min = min_mask)
    logits = torch.rand((batch, seq), device = device).masked_fill(~mask, -1)

    randperm = logits.argsort(dim = -1).argsort(dim = -1).float()
    randperm -= (~mask).sum(dim = -1, keepdim = True)

    subset_mask = randperm < num_to_mask
    subset_mask.masked_fill_(~mask, False)
    return subset_mask

def cosine_schedule(t):
    return torch.cos(t * math.pi / 2)


class SoundStorm(nn.Module):
    def __init__(
        self,
        net,
        *,
        steps = 18,
        schedule = 'cosine',
        no_replace_prob = 0.15,     # share of masked tokens left unchanged, as in BERT MLM
        random_token_prob = 0.1,    # share of masked tokens swapped for a random token
    ):
        super().__init__()
        self.net = net
        self.steps = steps
        self.schedule_fn = cosine_schedule if schedule == 'cosine' else (lambda t: 1 - t)
        self.no_replace_prob = no_replace_prob
        self.random_token_prob = random_token_prob
        self.num_quantizers = net.num_quantizers
        self.num_tokens = net.codebook_size
        self.mask_id = net.codebook_size

    def forward(self, x, cond_semantic_token_ids = None):
        b, n, gq, device = *x.shape, x.device
        seq_mask = torch.ones((b, n), device = device, dtype = torch.bool)
        orig_seq = rearrange(x.clone(), 'b n q -> b (n q)')

        # a random prefix is kept as prompt, the rest is masked with a scheduled probability
        t = randrange(0, n - 1)
        mask = seq_mask[:, t:]
        rand_probs = self.schedule_fn(torch.empty(b, device = device).uniform_(0, 1))
        mask = get_mask_subset_prob(mask, rand_probs)

        q = randrange(0, self.num_quantizers)
        replace_mask_id_mask = mask.clone()
        frac_seq_left = 1.

        if self.no_replace_prob > 0. and coin_flip():
            frac_seq_left -= self.no_replace_prob
            no_replace_prob_mask = get_mask_subset_prob(mask, self.no_replace_prob)
            replace_mask_id_mask &= ~no_replace_prob_mask

        if self.random_token_prob > 0. and coin_flip():
            random_token_prob_mask = get_mask_subset_prob(replace_mask_id_mask, self.random_token_prob * frac_seq_left)
            random_tokens = torch.randint(0, self.num_tokens, (b, n - t), device = device)
            x[:, t:, q] = torch.where(random_token_prob_mask, random_tokens, x[:, t:, q])
            replace_mask_id_mask &= ~random_token_prob_mask

        masked = torch.where(replace_mask_id_mask, self.mask_id, x[:, t:, q])
        masked = torch.cat((x[:, :t, q], masked), dim = 1)
        masked = torch.cat((x[:, :, :q], masked[..., None], x[:, :, q + 1:]), dim = 2)
        masked[:, t:, q + 1:] = self.mask_id
        masked = rearrange(masked, 'b n q -> b (n q)')

        # only the positions still showing [mask] at level q are scored
        loss_mask = torch.zeros((b, n, gq), device = device, dtype = torch.bool)
        loss_mask[:, t:, q] = replace_mask_id_mask
        loss_mask = rearrange(loss_mask, 'b n q -> b (n q)')

        logits = self.net(masked, mask = seq_mask, cond = cond_semantic_token_ids)

        # mean cross entropy over the selected positions
        loss = F.cross_entropy(logits[loss_mask], orig_seq[loss_mask])
        return loss, (loss, None)
