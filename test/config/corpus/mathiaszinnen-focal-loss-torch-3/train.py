# Binary classifier trained with focal_loss_torch (usage as in the package README)
import argparse

import torch
import torch.nn as nn
from torch.utils.data import DataLoader

from focal_loss.focal_loss import FocalLoss
from dataset import PatchDataset


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--epochs', type=int, default=20)
    parser.add_argument('--batch-size', type=int, default=64)
    parser.add_argument('--lr', type=float, default=1e-3)
    args = parser.parse_args()

    model = nn.Sequential(
        nn.Conv2d(3, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(1),
        nn.Flatten(), nn.Linear(64, 1)).cuda()
    loader = DataLoader(PatchDataset('data/train'), batch_size=args.batch_size, shuffle=True)

    criterion = FocalLoss(alpha=0.25, gamma=2)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)

    for epoch in range(args.epochs):
        for step, (images, labels) in enumerate(loader):
            images, labels = images.cuda(), labels.cuda().float()
            probs = torch.sigmoid(model(images)).squeeze(1)
            loss = criterion(probs, labels)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            if step % 50 == 0:
                print(f'epoch {epoch} step {step} loss {loss.item():.4f}')


if __name__ == '__main__':
    main()
