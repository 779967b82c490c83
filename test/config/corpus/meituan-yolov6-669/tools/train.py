#!/usr/bin/env python3
# YOLOv6 training entry point (abridged)
import argparse

from yolov6.core.engine import Trainer
from yolov6.utils.config import Config
from yolov6.utils.envs import select_device


def get_args_parser():
    parser = argparse.ArgumentParser(description='YOLOv6 PyTorch Training')
    parser.add_argument('--data-path', default='./data/coco.yaml', type=str)
    parser.add_argument('--conf-file', default='./configs/yolov6s.py', type=str)
    parser.add_argument('--img-size', default=640, type=int)
    parser.add_argument('--batch-size', default=32, type=int, help='total batch size for all GPUs')
    parser.add_argument('--epochs', default=400, type=int)
    parser.add_argument('--device', default='0', type=str)
    parser.add_argument('--output-dir', default='./runs/train', type=str)
    return parser


def main(args):
    cfg = Config.fromfile(args.conf_file)
    device = select_device(args.device)
    trainer = Trainer(args, cfg, device)  # builds ComputeLoss, AMP GradScaler, SGD from cfg.solver
    trainer.train()


if __name__ == '__main__':
    main(get_args_parser().parse_args())
