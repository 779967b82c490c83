import torch
from torch.utils.data import DataLoader

from imagen_pytorch import Unet, Imagen, ImagenTrainer
from dataset import CaptionedImages

unet = Unet(
    dim = 128,
    cond_dim = 512,
    dim_mults = (1, 2, 4, 8),
    num_resnet_blocks = 3,
    layer_attns = (False, True, True, True),
    layer_cross_attns = (False, True, True, True)
)

imagen = Imagen(
    unets = (unet,),
    image_sizes = (64,),
    text_encoder_name = 'google/t5-v1_1-base',
    timesteps = 1000,
    cond_drop_prob = 0.1
).cuda()

trainer = ImagenTrainer(
    imagen,
    lr = 1e-4,
    max_grad_norm = 1.0,
    warmup_steps = 10000,
    fp16 = True
)

loader = DataLoader(CaptionedImages('./data', image_size = 64), batch_size = 32, shuffle = True, num_workers = 8)

step = 0
for epoch in range(100):
    for images, captions in loader:
        # raw captions: the T5 encoding happens inside Imagen.forward
        loss = trainer(images.cuda(), texts = list(captions), unet_number = 1)
        trainer.update(unet_number = 1)
        if step % 10 == 0:
            print(f'step {step} loss: {loss}')
        step += 1
