#!/bin/bash
# MobileNetV3-Large hparams from the README (there: 2 processes x -b 512), run here on one GPU
./distributed_train.sh 1 /data/imagenet/ \
  --model mobilenetv3_large_100 \
  -b 256 \
  --sched step --epochs 600 --decay-epochs 2.4 --decay-rate .973 \
  --opt rmsproptf --opt-eps .001 -j 7 \
  --warmup-lr 1e-6 --weight-decay 1e-5 \
  --drop 0.2 --drop-connect 0.2 \
  --model-ema --model-ema-decay 0.9999 \
  --aa rand-m9-mstd0.5 --remode pixel --reprob 0.2 \
  --amp \
  --lr .064 \
  --lr-noise 0.42 0.9
