r"""
Basic training script for PyTorch
"""
import argparse
import os

import torch
from maskrcnn_benchmark.config import cfg
from maskrcnn_benchmark.data import make_data_loader
from maskrcnn_benchmark.engine.trainer import do_train
from maskrcnn_benchmark.modeling.detector import build_detection_model
from maskrcnn_benchmark.solver import make_lr_scheduler, make_optimizer
from maskrcnn_benchmark.utils.checkpoint import DetectronCheckpointer
from maskrcnn_benchmark.utils.logger import setup_logger


def train(cfg, local_rank, distributed):
    model = build_detection_model(cfg).to(torch.device(cfg.MODEL.DEVICE))
    optimizer = make_optimizer(cfg, model)          # SGD, lr = SOLVER.BASE_LR
    scheduler = make_lr_scheduler(cfg, optimizer)   # linear warmup, then steps
    checkpointer = DetectronCheckpointer(cfg, model, optimizer, scheduler, cfg.OUTPUT_DIR, save_to_disk=True)
    extra = checkpointer.load(cfg.MODEL.WEIGHT)
    data_loader = make_data_loader(cfg, is_train=True, is_distributed=distributed, start_iter=extra.get("iteration", 0))
    do_train(model, data_loader, optimizer, scheduler, checkpointer, torch.device(cfg.MODEL.DEVICE),
             cfg.SOLVER.CHECKPOINT_PERIOD, {"iteration": 0})
    return model


def main():
    parser = argparse.ArgumentParser(description="PyTorch Object Detection Training")
    parser.add_argument("--config-file", default="", metavar="FILE", help="path to config file", type=str)
    parser.add_argument("--local_rank", type=int, default=0)
    parser.add_argument("opts", help="Modify config options using the command-line", default=None,
                        nargs=argparse.REMAINDER)
    args = parser.parse_args()

    num_gpus = int(os.environ["WORLD_SIZE"]) if "WORLD_SIZE" in os.environ else 1
    cfg.merge_from_file(args.config_file)
    cfg.merge_from_list(args.opts)
    cfg.freeze()

    logger = setup_logger("maskrcnn_benchmark", cfg.OUTPUT_DIR, 0)  # writes OUTPUT_DIR/log.txt
    logger.info("Using {} GPUs".format(num_gpus))
    logger.info(args)
    logger.info("Running with config:\n{}".format(cfg))
    train(cfg, args.local_rank, num_gpus > 1)


if __name__ == "__main__":
    main()
