import torch
from torch import nn


class ControlNeXtModel(nn.Module):
    """A small conv encoder for the control image, added to the UNet's mid features."""

    def __init__(self, in_channels=3, controlnext_scale=1.0, channels=(64, 128, 256)):
        super().__init__()
        layers, c = [], in_channels
        for out in channels:
            layers += [nn.Conv2d(c, out, 3, stride=2, padding=1), nn.GroupNorm(8, out), nn.SiLU()]
            c = out
        self.encoder = nn.Sequential(*layers)
        self.time_proj = nn.Linear(1, c)
        self.out = nn.Conv2d(c, 320, 1)
        self.scale = controlnext_scale

    def forward(self, sample, timestep):
        h = self.encoder(sample)
        h = h + self.time_proj(timestep.float()[:, None] / 1000.)[..., None, None]
        return {"output": self.out(h), "scale": self.scale}
