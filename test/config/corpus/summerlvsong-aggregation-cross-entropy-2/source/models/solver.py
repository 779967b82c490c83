import time

import numpy as np
import torch
from utils.basic import timeSince


class seq_solver(object):

    def __init__(self, model, lmdb, optimizer, scheduler, total_epoch, model_path, last_epoch):
        self.model = model
        self.lmdb_train, self.lmdb_test = lmdb
        self.optimizer = optimizer
        self.scheduler = scheduler
        self.total_epoch = total_epoch
        self.model_path = model_path
        self.last_epoch = last_epoch
        self.start = time.time()

    def forward(self):
        for ep in range(self.last_epoch, self.total_epoch):
            self.train_one_epoch(ep)

    def train_one_epoch(self, ep):
        self.model.train()
        if self.scheduler is not None:
            self.scheduler.step()
            print('learning_rate: ', self.scheduler.get_lr())
        loss_aver = 0
        for it, batch in enumerate(self.lmdb_train):
            inputs = batch['image'].squeeze(0).cuda()
            labels = batch['label'].squeeze(0)

            loss = self.model(inputs, labels)
            self.optimizer.zero_grad()
            loss.backward()
            loss = loss.item()
            # clip, and skip the update when the norm is not a number
            l2_norm = torch.nn.utils.clip_grad_norm_(self.model.parameters(), 10)
            if not np.isnan(l2_norm):
                self.optimizer.step()
            else:
                print('l2_norm: ', l2_norm)
                l2_norm = 0

            loss_aver = loss if it == 0 else 0.9 * loss_aver + 0.1 * loss
            if it == len(self.lmdb_train) - 1:
                correct, total, predicted = self.model.loss_layer.result_analysis(it)
                recall = float(correct) / total
                precision = correct / (predicted + 0.000001)
                print('Train: %10s Epoch: %3d it: %6d, loss: %.4f, l2_norm: %.4f, recall: %.4f, precision: %.4f' %
                      (timeSince(self.start), ep, it, loss_aver, l2_norm, recall, precision))

        torch.save({'epoch': ep, 'state_dict': self.model.state_dict(), 'optimizer': self.optimizer.state_dict()},
                   self.model_path.format(ep))
