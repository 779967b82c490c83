# Argument parsing for training (abridged to the precision handling)
import torch
import transformers
from transformers.utils import is_torch_bf16_gpu_available

from ..extras.logging import get_logger
from ..extras.misc import get_current_device

logger = get_logger(__name__)


def get_train_args(args=None):
    model_args, data_args, training_args, finetuning_args, generating_args = _parse_train_args(args)

    if finetuning_args.pure_bf16:
        if not is_torch_bf16_gpu_available():
            raise ValueError("This device does not support `pure_bf16`.")
        if training_args.fp16 or training_args.bf16:
            raise ValueError("Turn off mixed precision training when using `pure_bf16`.")

    if training_args.do_train and (not training_args.fp16) and (not training_args.bf16):
        logger.warning("We recommend enable mixed precision training.")

    # model weights and forward run in the compute dtype picked from the precision flags
    if training_args.bf16 or finetuning_args.pure_bf16:
        model_args.compute_dtype = torch.bfloat16
    elif training_args.fp16:
        model_args.compute_dtype = torch.float16

    model_args.device_map = {"": get_current_device()}
    model_args.model_max_length = data_args.cutoff_len

    logger.info(
        "Process rank: {}, device: {}, n_gpu: {}, distributed training: {}, compute dtype: {}".format(
            training_args.local_rank,
            training_args.device,
            training_args.n_gpu,
            training_args.parallel_mode.value == "distributed",
            str(model_args.compute_dtype),
        )
    )
    transformers.set_seed(training_args.seed)
    return model_args, data_args, training_args, finetuning_args, generating_args
