// The one vocabulary of hyperparameter spellings: the keys, flags and arguments each framework uses for a
// canonical name (`--learning-rate`, `lr0`, `SOLVER.BASE_LR` all end in one of these once normalized by
// read.ts's keySegments). read.ts reads values under these keys; discovery ranks config files by them.
import type { CanonicalName } from './types';

export const spellings = {
  // `lr0`: the YOLO family's initial learning rate; `max_lr`: OneCycle's peak
  learning_rate: ['learning_rate', 'lr', 'lr0', 'base_lr', 'base_learning_rate', 'initial_learning_rate', 'initial_lr', 'init_lr', 'lr_init', 'max_lr'],
  adam_epsilon: ['adam_epsilon', 'adam_eps', 'eps', 'epsilon', 'optimizer_epsilon', 'adam_epsilon_value'],
  max_grad_norm: ['max_grad_norm', 'gradient_clipping', 'gradient_clip_val', 'clipnorm', 'global_clipnorm', 'clip_grad_norm', 'grad_clip_norm', 'clip_norm'],
  weight_dtype: ['weight_dtype', 'torch_dtype', 'param_dtype', 'model_dtype'],
  // HF/DeepSpeed `fp16`/`bf16` flags and blocks, Lightning `precision`, Keras dtype policies, AMP switches
  mixed_precision: ['mixed_precision', 'amp_dtype', 'precision', 'fp16', 'bf16', 'amp', 'use_amp', 'use_fp16', 'use_bf16', 'policy', 'global_policy', 'dtype_policy', 'set_global_policy'],
  warmup_steps: ['warmup_steps', 'lr_warmup_steps', 'num_warmup_steps', 'warmup_num_steps', 'warmup_iters'],
  warmup_ratio: ['warmup_ratio'],
  validation: ['validation_steps', 'eval_steps', 'val_check_interval', 'val_interval', 'eval_interval', 'validation_interval', 'evaluation_steps', 'val_every_n_steps', 'eval_strategy', 'evaluation_strategy'],
  optimizer: ['optimizer', 'optim', 'use_8bit_adam'],
  loss_scale: ['loss_scale'],
  initial_scale_power: ['initial_scale_power'],
  min_loss_scale: ['min_loss_scale'],
  scale_lr: ['scale_lr'],
  batch_size: ['train_bs', 'batch_size', 'per_device_train_batch_size', 'train_batch_size', 'train_micro_batch_size_per_gpu', 'samples_per_gpu', 'imgs_per_gpu', 'batch_size_per_gpu', 'per_gpu_train_batch_size', 'micro_batch_size', 'train_batch_size0'],
  // detectron2 / maskrcnn-benchmark: SOLVER.IMS_PER_BATCH is summed over all GPUs
  total_batch_size: ['ims_per_batch', 'total_batch_size', 'global_batch_size'],
  // mmdet's `auto_scale_lr.base_batch_size`
  reference_batch_size: ['base_batch_size'],
  gradient_accumulation_steps: ['gradient_accumulation_steps', 'accumulate_grad_batches', 'accumulative_counts'],
  num_processes: ['num_processes', 'nproc_per_node', 'num_gpus', 'world_size', 'gpus', 'ngpus', 'n_gpu'],
  lr_scheduler: ['lr_scheduler', 'lr_scheduler_type'],
  snr_gamma: ['snr_gamma'],
  zero_terminal_snr: ['enable_zero_snr', 'rescale_betas_zero_snr', 'zero_terminal_snr'],
  prediction_type: ['prediction_type'],
  initializer_range: ['initializer_range', 'init_std'],
} satisfies Record<CanonicalName, string[]>;

/** Is `key` (normalized: lower case, `_` for `-`) a spelling of `name`? */
export const spells = (name: CanonicalName, key: string): boolean => (spellings[name] as string[]).includes(key);

// Keys that set no canonical name themselves but mark a file as a training config.
const TRAINING_ONLY = ['optim_wrapper', 'weight_decay', 'clip_grad', 'grad_clip', 'max_steps', 'max_train_steps', 'num_train_epochs', 'max_iters', 'max_epochs'];
// Spellings too common outside training configs to count towards one (a `gpus` list, an `optim` module).
const TOO_COMMON = new Set(['gpus', 'optim', 'amp', 'policy', 'world_size', 'n_gpu', 'prediction_type']);

/** Every word that marks a file as a training config: the spellings (but the too common) and TRAINING_ONLY. */
export const trainingKeyWords: string[] = [...new Set([...Object.values(spellings).flat(), ...TRAINING_ONLY])].filter((k) => !TOO_COMMON.has(k));
