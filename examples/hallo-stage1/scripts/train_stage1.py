# pylint: disable=E1101,C0415,W0718
"""
Stage-1 training of a talking-head diffusion model (reference net + denoising net +
image projection), in the shape of Hallo's scripts/train_stage1.py.

    accelerate launch scripts/train_stage1.py --config ./configs/train/stage1.yaml
"""

import argparse
import logging
import math
import os
import random
import warnings
from datetime import datetime

import diffusers
import numpy as np
import torch
import torch.nn.functional as F
import torch.utils.checkpoint
import transformers
from accelerate import Accelerator
from accelerate.logging import get_logger
from accelerate.utils import DistributedDataParallelKwargs
from diffusers import AutoencoderKL, DDIMScheduler
from diffusers.optimization import get_scheduler
from diffusers.utils import check_min_version
from insightface.app import FaceAnalysis
from omegaconf import OmegaConf
from PIL import Image
from torch import nn
from tqdm.auto import tqdm

from hallo.animate.face_animate_static import StaticPipeline
from hallo.datasets.mask_image import FaceMaskDataset
from hallo.models.face_locator import FaceLocator
from hallo.models.image_proj import ImageProjModel
from hallo.models.mutual_self_attention import ReferenceAttentionControl
from hallo.models.unet_2d_condition import UNet2DConditionModel
from hallo.models.unet_3d import UNet3DConditionModel
from hallo.utils.util import compute_snr, delete_additional_ckpt, import_filename, init_output_dir, seed_everything

warnings.filterwarnings("ignore")

check_min_version("0.10.0.dev0")

logger = get_logger(__name__, log_level="INFO")


class Net(nn.Module):
    """The modules trained together in stage 1."""

    def __init__(self, reference_unet, denoising_unet, face_locator, reference_control_writer,
                 reference_control_reader, imageproj):
        super().__init__()
        self.reference_unet = reference_unet
        self.denoising_unet = denoising_unet
        self.face_locator = face_locator
        self.reference_control_writer = reference_control_writer
        self.reference_control_reader = reference_control_reader
        self.imageproj = imageproj

    def forward(self, noisy_latents, timesteps, ref_image_latents, face_emb, face_mask, uncond_fwd=False):
        face_emb = self.imageproj(face_emb)
        face_mask = face_mask.to(device="cuda")
        face_mask_feature = self.face_locator(face_mask)

        if not uncond_fwd:
            ref_timesteps = torch.zeros_like(timesteps)
            self.reference_unet(ref_image_latents, ref_timesteps, encoder_hidden_states=face_emb, return_dict=False)
            self.reference_control_reader.update(self.reference_control_writer)
        model_pred = self.denoising_unet(
            noisy_latents, timesteps, mask_cond_fea=face_mask_feature, encoder_hidden_states=face_emb
        ).sample
        return model_pred


def get_noise_scheduler(cfg: argparse.Namespace):
    sched_kwargs = OmegaConf.to_container(cfg.noise_scheduler_kwargs)
    if cfg.enable_zero_snr:
        sched_kwargs.update(rescale_betas_zero_snr=True, timestep_spacing="trailing", prediction_type="v_prediction")
    val_noise_scheduler = DDIMScheduler(**sched_kwargs)
    sched_kwargs.update({"beta_schedule": "scaled_linear"})
    train_noise_scheduler = DDIMScheduler(**sched_kwargs)
    return train_noise_scheduler, val_noise_scheduler


def log_validation(vae, net, scheduler, accelerator, width, height, imageproj, cfg, save_dir, global_step,
                   face_analysis_model_path):
    """Generate one image per reference image with the modules being trained."""
    logger.info("Running validation... ")

    ori_net = accelerator.unwrap_model(net)
    reference_unet = ori_net.reference_unet
    denoising_unet = ori_net.denoising_unet
    face_locator = ori_net.face_locator

    generator = torch.manual_seed(42)
    image_enc = FaceAnalysis(name="", root=face_analysis_model_path, providers=["CUDAExecutionProvider"])
    image_enc.prepare(ctx_id=0, det_size=(640, 640))

    pipe = StaticPipeline(
        vae=vae,
        reference_unet=reference_unet,
        denoising_unet=denoising_unet,
        face_locator=face_locator,
        scheduler=scheduler,
        imageproj=imageproj,
    )

    pil_images = []
    for ref_image_path, mask_image_path in zip(cfg.ref_image_paths, cfg.mask_image_paths):
        ref_name = os.path.splitext(os.path.basename(ref_image_path))[0]
        ref_image_pil = Image.open(ref_image_path).convert("RGB")
        face_mask_pil = Image.open(mask_image_path).convert("RGB")
        face_emb = torch.tensor(image_enc.get(np.array(ref_image_pil))[0]["embedding"]).to(
            imageproj.device, imageproj.dtype
        )
        image = pipe(
            ref_image_pil, face_mask_pil, width, height, 20, 3.5, face_emb, generator=generator
        ).images
        image = image[0, :, 0].permute(1, 2, 0).cpu().numpy()
        res_image_pil = Image.fromarray((image * 255).astype(np.uint8))
        res_image_pil.save(os.path.join(save_dir, f"{global_step:06d}-{ref_name}.jpg"))
        pil_images.append({"name": ref_name, "img": res_image_pil})

    del pipe
    torch.cuda.empty_cache()
    return pil_images


def train_stage1_process(cfg: argparse.Namespace) -> None:
    kwargs = DistributedDataParallelKwargs(find_unused_parameters=False)
    accelerator = Accelerator(
        gradient_accumulation_steps=cfg.solver.gradient_accumulation_steps,
        mixed_precision=cfg.solver.mixed_precision,
        log_with="mlflow",
        project_dir="./mlruns",
        kwargs_handlers=[kwargs],
    )

    logging.basicConfig(
        format="%(asctime)s - %(levelname)s - %(name)s - %(message)s",
        datefmt="%m/%d/%Y %H:%M:%S",
        level=logging.INFO,
    )
    logger.info(accelerator.state, main_process_only=False)
    if accelerator.is_local_main_process:
        transformers.utils.logging.set_verbosity_warning()
        diffusers.utils.logging.set_verbosity_info()
    else:
        transformers.utils.logging.set_verbosity_error()
        diffusers.utils.logging.set_verbosity_error()

    if cfg.seed is not None:
        seed_everything(cfg.seed)

    exp_name = cfg.exp_name
    save_dir = f"{cfg.output_dir}/{exp_name}"
    checkpoint_dir = os.path.join(save_dir, "checkpoints")
    module_dir = os.path.join(save_dir, "modules")
    validation_dir = os.path.join(save_dir, "validation")
    if accelerator.is_main_process:
        init_output_dir([save_dir, checkpoint_dir, module_dir, validation_dir])
    accelerator.wait_for_everyone()

    if cfg.weight_dtype == "fp16":
        weight_dtype = torch.float16
    elif cfg.weight_dtype == "fp32":
        weight_dtype = torch.float32
    else:
        raise ValueError(f"Do not support weight dtype: {cfg.weight_dtype} during training")

    train_noise_scheduler, val_noise_scheduler = get_noise_scheduler(cfg)

    vae = AutoencoderKL.from_pretrained(cfg.vae_model_path).to("cuda", dtype=weight_dtype)
    reference_unet = UNet2DConditionModel.from_pretrained(cfg.base_model_path, subfolder="unet").to(
        device="cuda", dtype=weight_dtype
    )
    denoising_unet = UNet3DConditionModel.from_pretrained_2d(
        cfg.base_model_path, "", subfolder="unet", unet_additional_kwargs={"use_motion_module": False}
    ).to(device="cuda")
    imageproj = ImageProjModel(cross_attention_dim=denoising_unet.config.cross_attention_dim,
                               clip_embeddings_dim=512, clip_extra_context_tokens=4).to(device="cuda")
    face_locator = FaceLocator(conditioning_embedding_channels=320).to(device="cuda")

    # the VAE only encodes; the three networks below are what stage 1 trains
    vae.requires_grad_(False)
    imageproj.requires_grad_(True)
    reference_unet.requires_grad_(True)
    denoising_unet.requires_grad_(True)
    face_locator.requires_grad_(True)

    # cast the trainable modules to the configured dtype to save memory
    imageproj.to(weight_dtype)
    reference_unet.to(weight_dtype)
    denoising_unet.to(weight_dtype)

    reference_control_writer = ReferenceAttentionControl(reference_unet, do_classifier_free_guidance=False,
                                                         mode="write", fusion_blocks="full")
    reference_control_reader = ReferenceAttentionControl(denoising_unet, do_classifier_free_guidance=False,
                                                         mode="read", fusion_blocks="full")

    net = Net(reference_unet, denoising_unet, face_locator, reference_control_writer, reference_control_reader,
              imageproj)

    if cfg.solver.enable_xformers_memory_efficient_attention:
        reference_unet.enable_xformers_memory_efficient_attention()
        denoising_unet.enable_xformers_memory_efficient_attention()

    if cfg.solver.gradient_checkpointing:
        reference_unet.enable_gradient_checkpointing()
        denoising_unet.enable_gradient_checkpointing()

    if cfg.solver.scale_lr:
        learning_rate = (
            cfg.solver.learning_rate
            * cfg.solver.gradient_accumulation_steps
            * cfg.data.train_bs
            * accelerator.num_processes
        )
    else:
        learning_rate = cfg.solver.learning_rate

    trainable_params = list(filter(lambda p: p.requires_grad, net.parameters()))
    optimizer = torch.optim.AdamW(
        trainable_params,
        lr=learning_rate,
        betas=(cfg.solver.adam_beta1, cfg.solver.adam_beta2),
        weight_decay=cfg.solver.adam_weight_decay,
        eps=cfg.solver.adam_epsilon,
    )

    lr_scheduler = get_scheduler(
        cfg.solver.lr_scheduler,
        optimizer=optimizer,
        num_warmup_steps=cfg.solver.lr_warmup_steps * cfg.solver.gradient_accumulation_steps,
        num_training_steps=cfg.solver.max_train_steps * cfg.solver.gradient_accumulation_steps,
    )

    train_dataset = FaceMaskDataset(img_size=(cfg.data.train_width, cfg.data.train_height),
                                    data_meta_paths=cfg.data.meta_paths, sample_margin=cfg.data.sample_margin)
    train_dataloader = torch.utils.data.DataLoader(train_dataset, batch_size=cfg.data.train_bs, shuffle=True,
                                                   num_workers=4)

    net, optimizer, train_dataloader, lr_scheduler = accelerator.prepare(
        net, optimizer, train_dataloader, lr_scheduler
    )

    num_update_steps_per_epoch = math.ceil(len(train_dataloader) / cfg.solver.gradient_accumulation_steps)
    num_train_epochs = math.ceil(cfg.solver.max_train_steps / num_update_steps_per_epoch)

    if accelerator.is_main_process:
        run_time = datetime.now().strftime("%Y%m%d-%H%M")
        accelerator.init_trackers(exp_name, init_kwargs={"mlflow": {"run_name": run_time}})

    total_batch_size = cfg.data.train_bs * accelerator.num_processes * cfg.solver.gradient_accumulation_steps

    logger.info("***** Running training *****")
    logger.info(f"  Num examples = {len(train_dataset)}")
    logger.info(f"  Num Epochs = {num_train_epochs}")
    logger.info(f"  Instantaneous batch size per device = {cfg.data.train_bs}")
    logger.info(f"  Total train batch size (w. parallel, distributed & accumulation) = {total_batch_size}")
    logger.info(f"  Gradient Accumulation steps = {cfg.solver.gradient_accumulation_steps}")
    logger.info(f"  Total optimization steps = {cfg.solver.max_train_steps}")
    global_step = 0
    first_epoch = 0

    progress_bar = tqdm(range(global_step, cfg.solver.max_train_steps), disable=not accelerator.is_local_main_process)
    progress_bar.set_description("Steps")
    net.train()
    for _ in range(first_epoch, num_train_epochs):
        train_loss = 0.0
        for _, batch in enumerate(train_dataloader):
            with accelerator.accumulate(net):
                pixel_values = batch["img"].to(weight_dtype)
                with torch.no_grad():
                    latents = vae.encode(pixel_values).latent_dist.sample()
                    latents = latents.unsqueeze(2)
                    latents = latents * 0.18215

                noise = torch.randn_like(latents)
                if cfg.noise_offset > 0.0:
                    noise += cfg.noise_offset * torch.randn((noise.shape[0], noise.shape[1], 1, 1, 1),
                                                           device=noise.device)

                bsz = latents.shape[0]
                timesteps = torch.randint(0, train_noise_scheduler.num_train_timesteps, (bsz,), device=latents.device)
                timesteps = timesteps.long()

                face_mask_img = batch["tgt_mask"].unsqueeze(2).to(weight_dtype)
                uncond_fwd = random.random() < cfg.uncond_ratio
                face_emb_list = []
                ref_image_list = []
                for _, (ref_img, face_emb) in enumerate(zip(batch["ref_img"], batch["face_emb"])):
                    face_emb_list.append(torch.zeros_like(face_emb) if uncond_fwd else face_emb)
                    ref_image_list.append(ref_img)

                with torch.no_grad():
                    ref_img = torch.stack(ref_image_list, dim=0).to(dtype=vae.dtype, device=vae.device)
                    ref_image_latents = vae.encode(ref_img).latent_dist.sample() * 0.18215
                    face_emb = torch.stack(face_emb_list, dim=0).to(dtype=imageproj.dtype, device=imageproj.device)

                noisy_latents = train_noise_scheduler.add_noise(latents, noise, timesteps)
                target = train_noise_scheduler.get_velocity(latents, noise, timesteps)

                model_pred = net(noisy_latents, timesteps, ref_image_latents, face_emb, face_mask_img, uncond_fwd)

                if cfg.snr_gamma == 0:
                    loss = F.mse_loss(model_pred.float(), target.float(), reduction="mean")
                else:
                    snr = compute_snr(train_noise_scheduler, timesteps)
                    mse_loss_weights = torch.stack([snr, cfg.snr_gamma * torch.ones_like(timesteps)], dim=1).min(
                        dim=1
                    )[0]
                    # zero terminal SNR makes snr 0 at the last timestep: v-prediction weights by snr + 1
                    if train_noise_scheduler.config.prediction_type == "v_prediction":
                        mse_loss_weights = mse_loss_weights / (snr + 1)
                    else:
                        mse_loss_weights = mse_loss_weights / snr
                    loss = F.mse_loss(model_pred.float(), target.float(), reduction="none")
                    loss = loss.mean(dim=list(range(1, len(loss.shape)))) * mse_loss_weights
                    loss = loss.mean()

                avg_loss = accelerator.gather(loss.repeat(cfg.data.train_bs)).mean()
                train_loss += avg_loss.item() / cfg.solver.gradient_accumulation_steps

                accelerator.backward(loss)
                if accelerator.sync_gradients:
                    accelerator.clip_grad_norm_(trainable_params, cfg.solver.max_grad_norm)
                optimizer.step()
                lr_scheduler.step()
                optimizer.zero_grad()

            if accelerator.sync_gradients:
                reference_control_reader.clear()
                reference_control_writer.clear()
                progress_bar.update(1)
                global_step += 1
                accelerator.log({"train_loss": train_loss}, step=global_step)
                train_loss = 0.0

                if global_step % cfg.checkpointing_steps == 0 or global_step == cfg.solver.max_train_steps:
                    accelerator.wait_for_everyone()
                    save_path = os.path.join(checkpoint_dir, f"checkpoint-{global_step}")
                    if accelerator.is_main_process:
                        delete_additional_ckpt(checkpoint_dir, 3)
                    accelerator.save_state(save_path)

                if global_step % cfg.val.validation_steps == 0 or global_step == 1:
                    if accelerator.is_main_process:
                        generator = torch.Generator(device=accelerator.device)
                        generator.manual_seed(cfg.seed)
                        log_validation(
                            vae=vae,
                            net=net,
                            scheduler=val_noise_scheduler,
                            accelerator=accelerator,
                            width=cfg.data.train_width,
                            height=cfg.data.train_height,
                            imageproj=imageproj,
                            cfg=cfg,
                            save_dir=validation_dir,
                            global_step=global_step,
                            face_analysis_model_path=cfg.face_analysis_model_path,
                        )

            logs = {"step_loss": loss.detach().item(), "lr": lr_scheduler.get_last_lr()[0]}
            progress_bar.set_postfix(**logs)

            if global_step >= cfg.solver.max_train_steps:
                break

    accelerator.wait_for_everyone()
    accelerator.end_training()


def load_config(config_path: str) -> dict:
    if config_path.endswith(".yaml"):
        return OmegaConf.load(config_path)
    if config_path.endswith(".py"):
        return import_filename(config_path).cfg
    raise ValueError("Unsupported format for config file")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--config", type=str, default="./configs/train/stage1.yaml")
    args = parser.parse_args()

    try:
        config = load_config(args.config)
        train_stage1_process(config)
    except Exception as e:
        logging.error("Failed to execute the training process: %s", e)
