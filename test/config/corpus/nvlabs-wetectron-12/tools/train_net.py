r"""Weakly-supervised detector training (abridged)"""
import argparse
import os

import torch

from wetectron.config import cfg
from wetectron.engine.trainer import do_train_cdb
from wetectron.modeling.detector import build_detection_model
from wetectron.modeling.cdb import ConvConcreteDB
from wetectron.solver import make_cdb_optimizer, make_lr_scheduler, make_optimizer


def train(cfg, local_rank, distributed, use_tensorboard=False):
    model = build_detection_model(cfg)
    model_cdb = ConvConcreteDB(cfg, model.backbone.out_channels)
    device = torch.device(cfg.MODEL.DEVICE)
    model.to(device)
    model_cdb.to(device)

    optimizer = make_optimizer(cfg, model)            # SOLVER.BASE_LR
    optimizer_cdb = make_cdb_optimizer(cfg, model_cdb)  # SOLVER_CDB.BASE_LR
    scheduler = make_lr_scheduler(cfg, optimizer)
    scheduler_cdb = make_lr_scheduler(cfg, optimizer_cdb, cdb=True)

    arguments = {"iteration": 0, "iter_size": cfg.SOLVER.ITER_SIZE}
    do_train_cdb(model, model_cdb, optimizer, optimizer_cdb, scheduler, scheduler_cdb,
                 cfg, arguments, use_tensorboard)
    return model


def main():
    parser = argparse.ArgumentParser(description="PyTorch Object Detection Training")
    parser.add_argument("--config-file", default="", metavar="FILE", type=str)
    parser.add_argument("--local_rank", type=int, default=0)
    parser.add_argument("--use-tensorboard", dest="use_tensorboard", action="store_true")
    parser.add_argument("opts", default=None, nargs=argparse.REMAINDER)
    args = parser.parse_args()

    num_gpus = int(os.environ["WORLD_SIZE"]) if "WORLD_SIZE" in os.environ else 1
    cfg.merge_from_file(args.config_file)
    cfg.merge_from_list(args.opts)
    cfg.freeze()
    train(cfg, args.local_rank, num_gpus > 1, args.use_tensorboard)


if __name__ == "__main__":
    main()
