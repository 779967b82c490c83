// What a probe run is asked to do (ProbeSpec) and the settings the replay reads from it.
import { parsePrecision, type Precision } from './replay/precision';

export type ValidationPolicy = 'none' | 'after-step-1' | 'no-step-1' | number;
export type OptimizerName = 'adamw' | 'adam' | 'sgd';

export interface ProbeSpec {
  /** 'builtin:imageproj' | path to a TF.js model.json | a Keras model JSON | a JS module exporting createModel(). */
  model: string;
  /** Canonical names: learning_rate, adam_epsilon, adam_beta1, adam_beta2, weight_decay, optimizer, momentum,
   * max_grad_norm, weight_dtype, mixed_precision, warmup_steps, validation, loss_scale, seed (and a few more below). */
  hyperparameters: Record<string, unknown>;
  /** .npy (inputs, or a folder/prefix with x.npy and y.npy), a JSON file { x, y } or [[...]], or 'synthetic:SHAPE[@SCALE]'. */
  data?: string;
  /** Default 5. */
  iterations?: number;
  backend?: 'tensorflow' | 'wasm' | 'cpu';
  /** Trusted workspace: JS modules may run. */
  allowCode?: boolean;
  /** false: the same replay without per-layer probes (for the overhead benchmark). Default true. */
  probes?: boolean;
}

/** The replay's settings, resolved from canonical hyperparameters with PyTorch's defaults. */
export interface ReplaySettings {
  optimizer: OptimizerName;
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  weightDecay: number;
  momentum: number;
  dampening: number;
  nesterov: boolean;
  maxGradNorm: number | null;
  weightDtype: Precision;
  mixedPrecision: Precision;
  warmupSteps: number;
  scheduler: 'constant' | 'constant_with_warmup' | 'linear';
  totalSteps: number;
  validation: ValidationPolicy;
  /** A validation that casts the modules in place to this dtype (as pipelines built from the trained modules do). */
  validationDtype: Precision | null;
  lossScale: 'dynamic' | number;
  loss: 'mse' | 'cross-entropy' | null;
  seed: number;
}

function num(h: Record<string, unknown>, key: string, fallback: number): number {
  const v = h[key];
  if (v === undefined || v === null || v === '') return fallback;
  const n = typeof v === 'number' ? v : Number(String(v).trim());
  if (!Number.isFinite(n)) throw new Error(`hyperparameter ${key} must be a number (got ${JSON.stringify(v)})`);
  return n;
}

function bool(h: Record<string, unknown>, key: string): boolean {
  const v = h[key];
  return v === true || v === 'true' || v === 'True' || v === 1;
}

export function parseValidation(v: unknown): ValidationPolicy {
  if (v === undefined || v === null || v === '' || v === false || v === 'none' || v === 'no') return 'none';
  if (v === 'after-step-1' || v === 'no-step-1') return v;
  const n = typeof v === 'number' ? v : Number(v);
  if (Number.isInteger(n) && n > 0) return n;
  throw new Error(`validation must be 'none', 'after-step-1', 'no-step-1' or a positive step count (got ${JSON.stringify(v)})`);
}

export function resolveSettings(h: Record<string, unknown>, iterations: number): ReplaySettings {
  const optimizer = String(h.optimizer ?? 'adamw').toLowerCase().replace(/^torch\.optim\./, '');
  if (optimizer !== 'adamw' && optimizer !== 'adam' && optimizer !== 'sgd') {
    throw new Error(`optimizer must be adamw, adam or sgd (got ${JSON.stringify(h.optimizer)})`);
  }
  const maxGradNorm = h.max_grad_norm === undefined || h.max_grad_norm === null ? null : num(h, 'max_grad_norm', 0);
  const ls = h.loss_scale;
  const lossScale = ls === undefined || ls === null || ls === 'dynamic' ? 'dynamic' : num(h, 'loss_scale', 65536);
  const scheduler = String(h.lr_scheduler ?? 'constant_with_warmup');
  const loss = h.loss === undefined ? null : String(h.loss);
  if (loss !== null && loss !== 'mse' && loss !== 'cross-entropy') throw new Error(`loss must be mse or cross-entropy (got ${JSON.stringify(h.loss)})`);
  const settings: ReplaySettings = {
    optimizer,
    learningRate: num(h, 'learning_rate', optimizer === 'sgd' ? 0.01 : 1e-3),
    beta1: num(h, 'adam_beta1', 0.9),
    beta2: num(h, 'adam_beta2', 0.999),
    epsilon: num(h, 'adam_epsilon', 1e-8),
    // adam_weight_decay is how diffusers-style configs spell it.
    weightDecay: num(h, h.weight_decay === undefined ? 'adam_weight_decay' : 'weight_decay', optimizer === 'adamw' ? 1e-2 : 0),
    momentum: num(h, 'momentum', 0),
    dampening: num(h, 'dampening', 0),
    nesterov: bool(h, 'nesterov'),
    maxGradNorm: maxGradNorm !== null && maxGradNorm > 0 ? maxGradNorm : null,
    weightDtype: parsePrecision(h.weight_dtype, 'weight_dtype', 'fp32'),
    mixedPrecision: parsePrecision(h.mixed_precision, 'mixed_precision', 'fp32'),
    warmupSteps: Math.max(0, Math.floor(num(h, 'warmup_steps', 0))),
    scheduler: scheduler === 'linear' ? 'linear' : scheduler === 'constant' ? 'constant' : 'constant_with_warmup',
    totalSteps: Math.max(iterations, Math.floor(num(h, 'max_train_steps', iterations))),
    validation: parseValidation(h.validation),
    validationDtype: h.validation_dtype === undefined ? null : parsePrecision(h.validation_dtype, 'validation_dtype', 'fp32'),
    lossScale,
    loss,
    seed: Math.floor(num(h, 'seed', 42)),
  };
  checkTorchAccepts(settings);
  return settings;
}

/**
 * Refuses what torch.optim's constructors refuse (they raise ValueError), with torch's own words:
 * a replay of a training that could not have started would verify nothing.
 */
function checkTorchAccepts(s: ReplaySettings): void {
  const name = s.optimizer === 'sgd' ? 'SGD' : s.optimizer === 'adam' ? 'Adam' : 'AdamW';
  const refuse = (key: string, value: number, torchSays: string, rule: string): never => {
    throw new Error(`${key} = ${value} is refused by torch.optim.${name} (ValueError: ${torchSays}: ${value}); ${rule}`);
  };
  if (!(s.learningRate >= 0)) refuse('learning_rate', s.learningRate, 'Invalid learning rate', 'it must be 0 or more');
  if (!(s.weightDecay >= 0)) refuse('weight_decay', s.weightDecay, 'Invalid weight_decay value', 'it must be 0 or more');
  if (s.optimizer === 'sgd') {
    if (!(s.momentum >= 0)) refuse('momentum', s.momentum, 'Invalid momentum value', 'it must be 0 or more');
    return;
  }
  if (!(s.epsilon >= 0)) refuse('adam_epsilon', s.epsilon, 'Invalid epsilon value', 'it must be 0 or more');
  if (!(s.beta1 >= 0 && s.beta1 < 1)) refuse('adam_beta1', s.beta1, 'Invalid beta parameter at index 0', 'it must be at least 0 and below 1');
  if (!(s.beta2 >= 0 && s.beta2 < 1)) refuse('adam_beta2', s.beta2, 'Invalid beta parameter at index 1', 'it must be at least 0 and below 1');
}

/** The hyperparameters the replay resolved, PyTorch's defaults included, under canonical names (for the report and the sweep). */
export function usedHyperparameters(s: ReplaySettings): Record<string, unknown> {
  const h: Record<string, unknown> = {
    optimizer: s.optimizer,
    learning_rate: s.learningRate,
    weight_decay: s.weightDecay,
    max_grad_norm: s.maxGradNorm,
    weight_dtype: s.weightDtype,
    mixed_precision: s.mixedPrecision === 'fp32' ? 'no' : s.mixedPrecision,
    warmup_steps: s.warmupSteps,
    validation: s.validation,
    loss_scale: s.lossScale,
    seed: s.seed,
  };
  if (s.optimizer === 'sgd') Object.assign(h, { momentum: s.momentum, dampening: s.dampening, nesterov: s.nesterov });
  else Object.assign(h, { adam_epsilon: s.epsilon, adam_beta1: s.beta1, adam_beta2: s.beta2 });
  return h;
}

/** Whether a validation pass runs after iteration `it` (1-based). */
export function validatesAfter(policy: ValidationPolicy, it: number): boolean {
  if (policy === 'none' || policy === 'no-step-1') return false;
  if (policy === 'after-step-1') return it === 1;
  return it % policy === 0;
}
