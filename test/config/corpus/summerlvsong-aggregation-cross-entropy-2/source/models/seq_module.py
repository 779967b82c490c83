# -*- coding: utf-8 -*-
import random

import torch
import torch.nn as nn


class Sequence(nn.Module):
    def __init__(self):
        super(Sequence, self).__init__()

    def result_analysis(self, iteration):
        pass


class ACE(Sequence):
    """Aggregation cross-entropy over the 2D prediction map."""

    def __init__(self, dictionary):
        super(ACE, self).__init__()
        self.softmax = None
        self.label = None
        self.dict = dictionary

    def forward(self, input, label):
        self.bs, self.h, self.w, _ = input.size()
        T_ = self.h * self.w

        # input holds softmax probabilities, shape (bs, T_, classes)
        input = input.view(self.bs, T_, -1)

        self.softmax = input
        label[:, 0] = T_ - label[:, 0]
        self.label = label

        # aggregate the probabilities of each class over all positions
        input = torch.sum(input, 1)
        input = input / T_
        label = label / T_
        loss = (-torch.sum(torch.log(input) * label)) / self.bs

        return loss

    def decode_batch(self):
        best = torch.max(self.softmax, 2)[1].data.cpu().numpy()
        return [best[j][best[j] != 0] for j in range(self.bs)]

    def result_analysis(self, iteration):
        prediction = self.decode_batch()
        correct_count, pre_total = 0, 0
        len_total = self.label[:, 1:].sum()
        label_data = self.label.data.cpu().numpy()
        for idx, pre_list in enumerate(prediction):
            for pw in pre_list:
                if label_data[idx][pw] > 0:
                    correct_count += 1
                    label_data[idx][pw] -= 1
            pre_total += len(pre_list)
        return correct_count, len_total, pre_total
