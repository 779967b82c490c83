// Reads metric values exactly: only a whole value token is non-finite, never letters inside a word.
import type { NonFiniteValue } from '../../types';

/** A number, or a non-finite token, as a regex source (wrapped forms like `tensor(nan, device=...)` included). */
export const VALUE_SOURCE =
  String.raw`(?:tensor\(\[?|np\.float(?:16|32|64)\(|array\(\[?)?[-+]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|(?:[nN][aA][nN]|[iI][nN][fF](?:inity|INITY)?)(?:\.0+)?)(?:\]?(?:,[^)]*)?\))?(?![\w.])`;

export type ParsedValue = { finite: true; value: number } | { finite: false; value: NonFiniteValue };

const WRAPPER = /^(?:tensor\(\[?|np\.float(?:16|32|64)\(|array\(\[?)|\]?(?:,[^)]*)?\)$/g;

/** Reads one value token; null when it is not a number at all. */
export function parseValue(raw: string): ParsedValue | null {
  const token = raw.trim().replace(WRAPPER, '').trim();
  // `nan.0` (Lightning's bar), `nanxxx` (PaddleOCR's x-padding) are nan
  const lower = token.toLowerCase().replace(/^([-+]?(?:nan|inf(?:inity)?))(?:\.0+|x+)$/, '$1');
  if (/^[-+]?nan$/.test(lower)) return { finite: false, value: 'nan' };
  if (/^\+?inf(?:inity)?$/.test(lower)) return { finite: false, value: 'inf' };
  if (/^-inf(?:inity)?$/.test(lower)) return { finite: false, value: '-inf' };
  if (!/^[-+]?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?$/.test(lower)) return null;
  const value = Number(token);
  return Number.isFinite(value) ? { finite: true, value } : { finite: false, value: value < 0 ? '-inf' : 'inf' };
}

// Metrics whose +inf/-inf is a starting sentinel or a setting, not a divergence (`best: inf`, `max_grad_norm: inf`).
// Throughput over a zero-length first interval is infinite too (`train_samples_per_second: inf`, fairseq `wps=inf`).
// (and a split's gain: LightGBM's `No further splits with positive gain, best gain: -inf`)
const SENTINEL_NAME = /best|min|max|lowest|highest|limit|clip|threshold|patience|bound|eta|remaining|left|improve|prev|init|per_second|per_sec|throughput|speed|^(?:wps|ups|tps|gain)$/i;

// Means over finished episodes are NaN until one finishes (stable-baselines' `ep_rewmean`, `eplenmean`, `ep_rew_mean`,
// openai/baselines' `eprewmean`, RLlib's `episode_reward_mean`, `mean_episode_reward`)
// (ML-Agents' `Mean Reward`, a mean over the episodes finished since the last summary)
const EMPTY_MEAN_NAME = /^(?:rollout\/)?(?:ep_?(?:rew|len|reward|length|ret|return)_?mean|episode_(?:reward|len|length|return)_mean|mean_episode_(?:reward|length|len|return)|mean[ _]reward|mean[ _]episode[ _]length)$/i;

// An error rate over no reference tokens is 0/0 (ESPnet records `cer_ctc=nan` for a rate it does not compute).
const ERROR_RATE_NAME = /^(?:(?:train|valid|val|eval|test)[/_])?(?:cer|wer|ser|per)(?:_\w+)?$/i;

/** True when a non-finite value under this name is legitimate (initial best, no-clipping setting, a mean of nothing yet…). */
export function isSentinel(metric: string, value: NonFiniteValue): boolean {
  if (value === 'nan') return EMPTY_MEAN_NAME.test(metric) || ERROR_RATE_NAME.test(metric);
  return (value === 'inf' || value === '-inf') && SENTINEL_NAME.test(metric);
}

const GRAD_NORM = /^(?:train[/_])?(?:grad(?:ient)?[_ ]?norm|gnorm|total[_ ]norm|grad_norm_\w+)$/i;
const LEARNING_RATE = /^(?:train[/_])?(?:lr|learning[_ ]rate|base_lr|lr-\w+|lr_\w+)$/i;
const LOSS = /loss/i;

export const isGradNorm = (metric: string): boolean => GRAD_NORM.test(metric);
export const isLearningRate = (metric: string): boolean => LEARNING_RATE.test(metric);
export const isLoss = (metric: string): boolean => LOSS.test(metric);

// Names of settings, not of measurements: a record made of them is the run's configuration printed at start.
const SETTING = /^(?:warmup\w*|max_(?:iters|steps|epochs)|num_(?:train_)?epochs|epochs|weight_decay|(?:micro_|per_device_train_|train_|eval_)?batch_size|gradient_accumulation\w*|(?:eval|save|log)_(?:interval|steps|iters)|seed|beta[12]|adam_\w+|max_seq_length|block_size)$/i;

// A config key in capitals (yacs/detectron2 dumps: `  BASE_LR: 0.00035`, `IMS_PER_BATCH: 64`) is a setting too.
const CONFIG_KEY = /^[A-Z][A-Z0-9_]*$/;

/**
 * `{'learning_rate': 0.009, 'warmup_iters': 25000, 'max_iters': 62500, …}` or a config printed key by key
 * (`  BASE_LR: 0.00035`): a hyperparameter dump, no training step.
 */
export function isSettingsRecord(names: string[]): boolean {
  if (!names.length || names.some(isLoss)) return false;
  return names.filter((n) => SETTING.test(n)).length >= 2 || names.every((n) => SETTING.test(n) || CONFIG_KEY.test(n));
}
