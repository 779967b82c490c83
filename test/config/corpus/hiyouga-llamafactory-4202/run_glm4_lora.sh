#!/bin/bash
# single-GPU LoRA SFT of glm-4-9b-chat on one V100
CUDA_VISIBLE_DEVICES=3 python src/train.py \
    --stage sft \
    --do_train \
    --model_name_or_path /models/glm-4-9b-chat \
    --dataset data \
    --template glm4 \
    --finetuning_type lora \
    --use_dora false \
    --lora_target all \
    --output_dir exp/glm4_lora_origin_r32_9b \
    --overwrite_cache \
    --per_device_train_batch_size 2 \
    --per_device_eval_batch_size 1 \
    --cutoff_len 512 \
    --gradient_accumulation_steps 4 \
    --lr_scheduler_type cosine \
    --logging_steps 10 \
    --evaluation_strategy steps \
    --load_best_model_at_end \
    --save_steps 2000 \
    --eval_steps 400 \
    --val_size 0.01 \
    --lora_rank 32 \
    --learning_rate 5e-5 \
    --num_train_epochs 3.0 \
    --plot_loss \
    --fp16
