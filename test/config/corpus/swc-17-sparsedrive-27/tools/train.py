# Train SparseDrive (abridged)
import argparse
import os

from mmcv import Config
from mmcv.runner import get_dist_info, init_dist


def parse_args():
    parser = argparse.ArgumentParser(description="Train a detector")
    parser.add_argument("config", help="train config file path")
    parser.add_argument("--work-dir", help="the dir to save logs and models")
    group_gpus = parser.add_mutually_exclusive_group()
    group_gpus.add_argument("--gpus", type=int,
                            help="number of gpus to use (only applicable to non-distributed training)")
    group_gpus.add_argument("--gpu-ids", type=int, nargs="+",
                            help="ids of gpus to use (only applicable to non-distributed training)")
    parser.add_argument("--seed", type=int, default=0, help="random seed")
    parser.add_argument("--deterministic", action="store_true",
                        help="whether to set deterministic options for CUDNN backend.")
    parser.add_argument("--launcher", choices=["none", "pytorch", "slurm", "mpi", "mpi_nccl"],
                        default="none", help="job launcher")
    parser.add_argument("--local_rank", type=int, default=0)
    parser.add_argument("--autoscale-lr", action="store_true",
                        help="automatically scale lr with the number of gpus")
    args = parser.parse_args()
    if "LOCAL_RANK" not in os.environ:
        os.environ["LOCAL_RANK"] = str(args.local_rank)
    return args


def main():
    args = parse_args()
    cfg = Config.fromfile(args.config)
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get("work_dir", None) is None:
        cfg.work_dir = os.path.join("./work_dirs", os.path.splitext(os.path.basename(args.config))[0])
    if args.gpu_ids is not None:
        cfg.gpu_ids = args.gpu_ids
    else:
        cfg.gpu_ids = range(1) if args.gpus is None else range(args.gpus)

    if args.autoscale_lr:
        # apply the linear scaling rule (https://arxiv.org/abs/1706.02677)
        cfg.optimizer["lr"] = cfg.optimizer["lr"] * len(cfg.gpu_ids) / 8

    if args.launcher == "none":
        distributed = False
    else:
        distributed = True
        init_dist(args.launcher, **cfg.dist_params)
        _, world_size = get_dist_info()
        cfg.gpu_ids = range(world_size)

    from projects.mmdet3d_plugin.apis.train import custom_train_model
    from mmdet3d.models import build_model
    from mmdet.datasets import build_dataset

    model = build_model(cfg.model, train_cfg=cfg.get("train_cfg"), test_cfg=cfg.get("test_cfg"))
    model.init_weights()
    datasets = [build_dataset(cfg.data.train)]
    custom_train_model(model, datasets, cfg, distributed=distributed, validate=True)


if __name__ == "__main__":
    main()
