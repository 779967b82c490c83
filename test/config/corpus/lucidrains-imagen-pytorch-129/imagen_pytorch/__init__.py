from imagen_pytorch.imagen_pytorch import Imagen
from imagen_pytorch.unet import Unet
from imagen_pytorch.trainer import ImagenTrainer
