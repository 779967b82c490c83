// The canonical hyperparameters: what every framework's settings are normalized into (names.ts spells them).
import type { LocatedValue } from '../types';

/** One canonical hyperparameter as the user set it: the normalized value and where it is written. */
export interface Setting<T = unknown> {
  value: T;
  at: LocatedValue;
}

export type Precision = 'fp16' | 'bf16' | 'fp32';

/**
 * Canonical hyperparameters (the names of contract.md `counterfactuals[].change`), whatever
 * the framework calls them. Each is the winning setting; `all` keeps every place a name is set.
 */
export interface Hyperparameters {
  learning_rate?: Setting<number>;
  adam_epsilon?: Setting<number>;
  /** null when clipping is explicitly off (`clip_grad: None`). */
  max_grad_norm?: Setting<number | null>;
  /** The dtype the trainable weights are kept in. */
  weight_dtype?: Setting<Precision>;
  /** AMP with fp32 master weights ('no' = none). */
  mixed_precision?: Setting<'no' | 'fp16' | 'bf16'>;
  warmup_steps?: Setting<number>;
  warmup_ratio?: Setting<number>;
  /** Validation/evaluation every N steps (or a fraction of an epoch for Lightning floats). */
  validation?: Setting<number | string>;
  optimizer?: Setting<string>;
  /** A fixed loss scale, or 'dynamic'. */
  loss_scale?: Setting<number | 'dynamic'>;
  initial_scale_power?: Setting<number>;
  min_loss_scale?: Setting<number>;
  scale_lr?: Setting<boolean>;
  /** Per device (per process). */
  batch_size?: Setting<number>;
  /** Summed over all devices (detectron2's SOLVER.IMS_PER_BATCH, a trainer's reported total). */
  total_batch_size?: Setting<number>;
  /** The total batch the learning rate was set for (mmdet's `auto_scale_lr.base_batch_size`). */
  reference_batch_size?: Setting<number>;
  gradient_accumulation_steps?: Setting<number>;
  num_processes?: Setting<number>;
  lr_scheduler?: Setting<string>;
  snr_gamma?: Setting<number>;
  zero_terminal_snr?: Setting<boolean>;
  prediction_type?: Setting<string>;
  initializer_range?: Setting<number>;
  all: Record<string, Setting[]>;
}

export type CanonicalName = Exclude<keyof Hyperparameters, 'all'>;
