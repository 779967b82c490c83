# DINO self-distillation training (condensed for the corpus case)
import argparse
import math
import sys
import time

import torch
import torch.nn as nn

import utils
import vision_transformer as vits


def get_args_parser():
    parser = argparse.ArgumentParser('DINO', add_help=False)

    # Model parameters
    parser.add_argument('--arch', default='vit_small', type=str, help="ViT or torchvision architecture.")
    parser.add_argument('--patch_size', default=16, type=int, help="Patch size in pixels.")
    parser.add_argument('--out_dim', default=65536, type=int, help="Output dim of the DINO head.")
    parser.add_argument('--norm_last_layer', default=True, type=utils.bool_flag,
        help="Weight-normalize the last layer of the head.")
    parser.add_argument('--momentum_teacher', default=0.996, type=float, help="Base EMA momentum of the teacher.")

    # Temperature teacher parameters
    parser.add_argument('--warmup_teacher_temp', default=0.04, type=float, help="Initial teacher temperature.")
    parser.add_argument('--teacher_temp', default=0.04, type=float, help="Final teacher temperature.")
    parser.add_argument('--warmup_teacher_temp_epochs', default=0, type=int)

    # Training/Optimization parameters
    parser.add_argument('--use_fp16', type=utils.bool_flag, default=True, help="""Train with
        torch.cuda.amp half precision (faster, less memory, may be unstable).""")
    parser.add_argument('--weight_decay', type=float, default=0.04, help="Initial weight decay.")
    parser.add_argument('--weight_decay_end', type=float, default=0.4, help="Final weight decay.")
    parser.add_argument('--clip_grad', type=float, default=3.0, help="Max gradient norm, 0 disables.")
    parser.add_argument('--batch_size_per_gpu', default=64, type=int, help="Images per GPU.")
    parser.add_argument('--epochs', default=100, type=int)
    parser.add_argument('--freeze_last_layer', default=1, type=int)
    parser.add_argument("--lr", default=0.0005, type=float, help="""Peak lr after the linear
        warmup, given for a batch of 256 and scaled linearly with the real batch.""")
    parser.add_argument("--warmup_epochs", default=10, type=int, help="Linear lr warmup epochs.")
    parser.add_argument('--min_lr', type=float, default=1e-6)
    parser.add_argument('--optimizer', default='adamw', type=str, choices=['adamw', 'sgd', 'lars'])

    # Misc
    parser.add_argument('--data_path', default='/path/to/imagenet/train/', type=str)
    parser.add_argument('--output_dir', default=".", type=str)
    parser.add_argument('--seed', default=0, type=int)
    return parser


def train_dino(args):
    utils.init_distributed_mode(args)
    data_loader = utils.build_multicrop_loader(args)
    student, teacher, teacher_without_ddp, dino_loss = utils.build_dino(args)

    params_groups = utils.get_params_groups(student)
    if args.optimizer == "adamw":
        optimizer = torch.optim.AdamW(params_groups)
    else:
        optimizer = torch.optim.SGD(params_groups, lr=0, momentum=0.9)
    # mixed precision
    fp16_scaler = None
    if args.use_fp16:
        fp16_scaler = torch.cuda.amp.GradScaler()

    lr_schedule = utils.cosine_scheduler(
        args.lr * (args.batch_size_per_gpu * utils.get_world_size()) / 256.,
        args.min_lr,
        args.epochs, len(data_loader),
        warmup_epochs=args.warmup_epochs,
    )
    wd_schedule = utils.cosine_scheduler(args.weight_decay, args.weight_decay_end,
                                         args.epochs, len(data_loader))
    momentum_schedule = utils.cosine_scheduler(args.momentum_teacher, 1, args.epochs, len(data_loader))
    print("Loss, optimizer and schedulers ready.")

    print("Starting DINO training !")
    for epoch in range(args.epochs):
        data_loader.sampler.set_epoch(epoch)
        train_one_epoch(student, teacher, teacher_without_ddp, dino_loss, data_loader,
                        optimizer, lr_schedule, wd_schedule, momentum_schedule, epoch,
                        fp16_scaler, args)


def train_one_epoch(student, teacher, teacher_without_ddp, dino_loss, data_loader,
                    optimizer, lr_schedule, wd_schedule, momentum_schedule, epoch,
                    fp16_scaler, args):
    metric_logger = utils.MetricLogger(delimiter="  ")
    header = 'Epoch: [{}/{}]'.format(epoch, args.epochs)
    for it, (images, _) in enumerate(metric_logger.log_every(data_loader, 10, header)):
        it = len(data_loader) * epoch + it
        for i, param_group in enumerate(optimizer.param_groups):
            param_group["lr"] = lr_schedule[it]
            if i == 0:
                param_group["weight_decay"] = wd_schedule[it]

        images = [im.cuda(non_blocking=True) for im in images]
        with torch.cuda.amp.autocast(fp16_scaler is not None):
            teacher_output = teacher(images[:2])
            student_output = student(images)
            loss = dino_loss(student_output, teacher_output, epoch)

        if not math.isfinite(loss.item()):
            print("Loss is {}, stopping training".format(loss.item()), force=True)
            sys.exit(1)

        optimizer.zero_grad()
        if fp16_scaler is None:
            loss.backward()
            if args.clip_grad:
                utils.clip_gradients(student, args.clip_grad)
            optimizer.step()
        else:
            fp16_scaler.scale(loss).backward()
            if args.clip_grad:
                fp16_scaler.unscale_(optimizer)
                utils.clip_gradients(student, args.clip_grad)
            fp16_scaler.step(optimizer)
            fp16_scaler.update()

        with torch.no_grad():
            m = momentum_schedule[it]
            for param_q, param_k in zip(student.module.parameters(), teacher_without_ddp.parameters()):
                param_k.data.mul_(m).add_((1 - m) * param_q.detach().data)

        torch.cuda.synchronize()
        metric_logger.update(loss=loss.item())
        metric_logger.update(lr=optimizer.param_groups[0]["lr"])
        metric_logger.update(wd=optimizer.param_groups[0]["weight_decay"])


if __name__ == '__main__':
    parser = argparse.ArgumentParser('DINO', parents=[get_args_parser()])
    args = parser.parse_args()
    train_dino(args)
