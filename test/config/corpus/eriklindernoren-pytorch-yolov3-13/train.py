from __future__ import division

import argparse
import os

import torch
import torch.optim as optim
from torch.autograd import Variable

from models import Darknet
from utils.datasets import ListDataset
from utils.parse_config import parse_data_config, parse_model_config
from utils.utils import weights_init_normal

parser = argparse.ArgumentParser()
parser.add_argument('--epochs', type=int, default=30, help='number of epochs')
parser.add_argument('--batch_size', type=int, default=16, help='size of each image batch')
parser.add_argument('--model_config_path', type=str, default='config/yolov3.cfg', help='path to model config file')
parser.add_argument('--data_config_path', type=str, default='config/coco.data', help='path to data config file')
parser.add_argument('--n_cpu', type=int, default=0, help='number of cpu threads to use during batch generation')
parser.add_argument('--img_size', type=int, default=416, help='size of each image dimension')
parser.add_argument('--checkpoint_interval', type=int, default=10, help='interval between saving model weights')
parser.add_argument('--checkpoint_dir', type=str, default='checkpoints', help='directory where model checkpoints are saved')
opt = parser.parse_args()
print(opt)

cuda = True if torch.cuda.is_available else False

data_config = parse_data_config(opt.data_config_path)
train_path = data_config['train']

# Get hyper parameters from the [net] section of the .cfg
hyperparams   = parse_model_config(opt.model_config_path)[0]
learning_rate = float(hyperparams['learning_rate'])
momentum      = float(hyperparams['momentum'])
decay         = float(hyperparams['decay'])
burn_in       = int(hyperparams['burn_in'])

# Initiate model
model = Darknet(opt.model_config_path)
model.apply(weights_init_normal)
if cuda:
    model = model.cuda()
model.train()

dataloader = torch.utils.data.DataLoader(
    ListDataset(train_path),
    batch_size=opt.batch_size, shuffle=False, num_workers=opt.n_cpu)

Tensor = torch.cuda.FloatTensor if cuda else torch.FloatTensor

optimizer = optim.SGD(model.parameters(), lr=learning_rate/opt.batch_size, momentum=momentum, dampening=0, weight_decay=decay*opt.batch_size)

for epoch in range(opt.epochs):
    for batch_i, (_, imgs, targets) in enumerate(dataloader):
        imgs = Variable(imgs.type(Tensor))
        targets = Variable(targets.type(Tensor), requires_grad=False)

        optimizer.zero_grad()
        loss = model(imgs, targets)
        loss.backward()
        optimizer.step()

        print('[Epoch %d/%d, Batch %d/%d] [Losses: x %f, y %f, w %f, h %f, conf %f, cls %f, total %f]' %
              (epoch, opt.epochs, batch_i, len(dataloader),
               model.losses['x'], model.losses['y'], model.losses['w'],
               model.losses['h'], model.losses['conf'], model.losses['cls'],
               loss.item()))

    if epoch % opt.checkpoint_interval == 0:
        os.makedirs(opt.checkpoint_dir, exist_ok=True)
        model.save_weights('%s/%d.weights' % (opt.checkpoint_dir, epoch))
