# -*- coding: utf-8 -*-
from __future__ import print_function, division

import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision.models as models
from torch import optim
from torch.utils.data import DataLoader

from models.seq_module import ACE
from models.solver import seq_solver
from utils.data_loader import ImageDataset

parser = argparse.ArgumentParser()
parser.add_argument('--model_path', type=str, default='../log/snapshot/model-{:0>2d}.pkl')
parser.add_argument('--total_epoch', type=int, default=50)
parser.add_argument('--train_path', type=str, default='../data/train.txt')
parser.add_argument('--train_batch_size', type=int, default=50)
parser.add_argument('--last_epoch', type=int, default=0)
parser.add_argument('--class_num', type=int, default=26)
parser.add_argument('--dict', type=str, default='_abcdefghijklmnopqrstuvwxyz')
opt = parser.parse_args()
print(opt)


class ResnetEncoderDecoder(nn.Module):
    def __init__(self, loss_layer):
        super(ResnetEncoderDecoder, self).__init__()
        resnet = models.resnet18(pretrained=True)
        self.conv = nn.Conv2d(1, 64, kernel_size=3, padding=1)
        self.bn = nn.BatchNorm2d(64)
        self.cnn = nn.Sequential(*list(resnet.children())[4:-2])
        self.out = nn.Linear(512, opt.class_num + 1)
        self.loss_layer = loss_layer(opt.dict)

    def forward(self, input, labels):
        x = F.relu(self.bn(self.conv(input)), True)
        x = F.max_pool2d(x, kernel_size=2, stride=2)
        x = self.cnn(x).permute(0, 2, 3, 1)
        probs = F.softmax(self.out(x), dim=-1)
        return self.loss_layer(probs, labels.cuda())


if __name__ == "__main__":
    model = ResnetEncoderDecoder(ACE).cuda()
    optimizer = optim.Adadelta(model.parameters())
    scheduler = optim.lr_scheduler.MultiStepLR(optimizer, milestones=[opt.total_epoch], gamma=0.1)

    train_set = ImageDataset(file_name=opt.train_path, length=5000, class_num=opt.class_num)
    lmdb_train = DataLoader(train_set, batch_size=opt.train_batch_size, shuffle=True, num_workers=0)

    seq_solver(model=model, lmdb=[lmdb_train, None], optimizer=optimizer, scheduler=scheduler,
               total_epoch=opt.total_epoch, model_path=opt.model_path, last_epoch=opt.last_epoch).forward()
