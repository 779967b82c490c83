"""
Writes logs/train.log the way train_stage1.py's output lands in a file
(`accelerate launch scripts/train_stage1.py 2>&1 | tee logs/train.log`): accelerate's
logger lines and the real tqdm bars (carriage-return redraws included), with the
seed case's losses: step 1 finite, validation right after it, NaN from step 2 on.

Run with Debian's python (it has tqdm):  TZ=UTC /usr/bin/python3 .generate/make_log.py
No GPU or model is needed: only the output format is reproduced, with a simulated clock.
"""

import logging
import os
import sys
import time

import tqdm.std as tqdm_std
from tqdm import tqdm

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "logs", "train.log")

# a simulated clock so the timestamps and rates are those of a real GPU run, reproducibly
clock = [1795600950.0]  # 2026-11-25 10:02:30 UTC


def now():
    return clock[0]


def advance(seconds):
    clock[0] += seconds


time.time = now
tqdm_std.time = now


def main():
    out = open(OUT, "w", encoding="utf-8")
    sys.stderr = out  # tqdm and logging both write to stderr, as in the real run

    logging.basicConfig(
        format="%(asctime)s - %(levelname)s - %(name)s - %(message)s",
        datefmt="%m/%d/%Y %H:%M:%S",
        level=logging.INFO,
        stream=out,
    )
    logging.Formatter.converter = time.gmtime
    log = logging.getLogger("__main__")

    # what accelerate's logger prints for accelerator.state
    log.info(
        "Distributed environment: NO\nNum processes: 1\nProcess index: 0\nLocal process index: 0\n"
        "Device: cuda\n\nMixed precision type: no\n"
    )
    advance(41.3)
    logging.getLogger("diffusers.models.modeling_utils").info(
        "loaded 3D unet's pretrained weights from ./pretrained_models/stable-diffusion-v1-5/unet ..."
    )
    advance(2.2)
    log.info("***** Running training *****")
    log.info("  Num examples = 1200")
    log.info("  Num Epochs = 200")
    log.info("  Instantaneous batch size per device = 8")
    log.info("  Total train batch size (w. parallel, distributed & accumulation) = 8")
    log.info("  Gradient Accumulation steps = 1")
    log.info("  Total optimization steps = 30000")

    max_train_steps = 30000
    losses = [0.153, float("nan"), float("nan"), float("nan"), float("nan")]
    bar = tqdm(range(0, max_train_steps), disable=False)
    bar.set_description("Steps")
    for global_step, loss in enumerate(losses, start=1):
        advance(4.87 if global_step == 1 else 1.93)
        bar.update(1)
        if global_step % 500 == 0 or global_step == 1:
            log.info("Running validation... ")
            advance(3.1)
            # diffusers' pipeline progress bar (one per reference image), nested under Steps
            with tqdm(total=20) as denoise:
                for _ in range(20):
                    advance(0.081)
                    denoise.update(1)
        bar.set_postfix(step_loss=loss, lr=1e-05)
    # the user stopped the run here
    out.write("\n")
    out.close()


if __name__ == "__main__":
    main()
