"""
Condensed: the training entry of code_single (StreetSurf / NeuS in minutes).
"""
import os
import time
from tqdm import tqdm

import torch
from torch import optim
from torch.cuda.amp import GradScaler

from nr3d_lib.config import ConfigDict, BaseConfig
from nr3d_lib.logger import Logger
from nr3d_lib.models.utils import get_scheduler, calc_grad_norm

from app.resources import create_scene_bank, AssetBank
from app.renderers import SingleVolumeRenderer


def main_function(args: ConfigDict):
    device = torch.device('cuda', 0)
    exp_dir = args.exp_dir
    i_log = args.training.i_log
    log_grad = args.training.log_grad

    scene_bank, scene_bank_meta = create_scene_bank(
        dataset=args.dataset_cfg, load_dir=None, config=args.scenebank_cfg, device=device)
    asset_bank = AssetBank(args.assetbank_cfg)
    asset_bank.create_asset_bank(scene_bank, optim_cfg=args.training.optim, device=device)
    renderer = SingleVolumeRenderer(args.renderer)
    renderer.populate(asset_bank)

    #---------------------------------------------
    #------------     Optimizer     --------------
    #---------------------------------------------
    optimizer = optim.Adam(asset_bank.param_groups)
    asset_bank.configure_clip_grad_group(scene_bank, args.training.get('clip_grad_val', None))

    it = 0
    # Build scheduler
    scheduler = get_scheduler(args.training.scheduler, optimizer, last_epoch=it-1)
    trainer = Trainer(config=args.training, renderer=renderer, asset_bank=asset_bank,
                      scene_bank=scene_bank, i_log=i_log)
    logger = Logger(root=exp_dir, enable_tensorboard=True)

    # Default to [True]], since grad scaler is harmless even not using half precision.
    enable_grad_scaler = args.training.get("enable_grad_scaler", True)
    scaler_pixel = GradScaler(init_scale=128.0, enabled=enable_grad_scaler)

    print(f"=> Start [train], it={it}, lr={optimizer.param_groups[0]['lr']}, in {exp_dir}")
    with tqdm(range(args.training.num_iters)) as pbar:
        while it < args.training.num_iters:
            loss_total = 0.
            optimizer.zero_grad()
            sample, ground_truth = trainer.next_pixel_batch()
            ret, losses = trainer('pixel', sample, ground_truth, it, logger=logger)

            losses['total'] = sum([v for v in losses.values()])

            scaler_pixel.scale(losses['total']).backward()
            scaler_pixel.unscale_(optimizer) # Unscale param's grad in-place (for normal grad clipping and debugging)
            asset_bank.apply_clip_grad()
            grad_norms = calc_grad_norm(**asset_bank) if log_grad else {}

            scaler_pixel.step(optimizer)
            scaler_pixel.update()
            scheduler.step(it)  # NOTE: important! when world_size is not 1

            loss_total += losses['total'].item()
            it += 1
            pbar.update(1)
            pbar.set_postfix(lr=optimizer.param_groups[0]['lr'], loss_total=loss_total)


if __name__ == "__main__":
    bc = BaseConfig()
    bc.parser.add_argument("--ddp", action='store_true', help='whether to use DDP to train.')
    main_function(bc.parse())
