from functools import partial

import torch
import torch.nn.functional as F
from torch import nn

from imagen_pytorch.t5 import t5_encode_text, DEFAULT_T5_NAME

def exists(val):
    return val is not None

class Imagen(nn.Module):
    def __init__(
        self,
        unets,
        *,
        image_sizes,
        text_encoder_name = DEFAULT_T5_NAME,
        timesteps = 1000,
        cond_drop_prob = 0.1,
        condition_on_text = True,
        p2_loss_weight_gamma = 0.5
    ):
        super().__init__()
        self.unets = nn.ModuleList(unets)
        self.image_sizes = image_sizes
        self.timesteps = timesteps
        self.cond_drop_prob = cond_drop_prob
        self.condition_on_text = condition_on_text
        self.unconditional = not condition_on_text
        self.p2_loss_weight_gamma = p2_loss_weight_gamma
        self.encode_text = partial(t5_encode_text, name = text_encoder_name)

    def get_unet(self, unet_number):
        return self.unets[unet_number - 1]

    def p_losses(self, unet, x_start, times, text_embeds, text_masks):
        noise = torch.randn_like(x_start)
        alpha = torch.cos(times * torch.pi / 2)[:, None, None, None]
        x_noisy = alpha * x_start + (1 - alpha ** 2).sqrt() * noise
        pred = unet(x_noisy, times, text_embeds = text_embeds, text_mask = text_masks, cond_drop_prob = self.cond_drop_prob)
        return F.mse_loss(pred, noise)

    def forward(self, images, unet = None, texts = None, text_embeds = None, text_masks = None, unet_number = None):
        unet_number = unet_number or 1
        unet = unet if exists(unet) else self.get_unet(unet_number)
        b = images.shape[0]
        times = torch.rand(b, device = images.device)

        if exists(texts) and not exists(text_embeds) and not self.unconditional:
            assert len(texts) == len(images), 'one caption per image'
            # runs inside the trainer's accelerator.autocast(), so T5 sees fp16 activations
            text_embeds, text_masks = self.encode_text(texts, return_attn_mask = True)
            text_embeds, text_masks = map(lambda t: t.to(images.device), (text_embeds, text_masks))

        if not self.unconditional and not exists(text_masks):
            text_masks = torch.any(text_embeds != 0., dim = -1)

        return self.p_losses(unet, images, times, text_embeds, text_masks)
