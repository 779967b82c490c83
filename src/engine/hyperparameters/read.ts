// Reads the canonical hyperparameters (names.ts spells them) out of located config and script values, each with where it is set.
import type { LocatedFile, LocatedValue, ScriptFact } from '../types';
import { configLookup, ruledOut, SOURCE_RANK, type ConfigLookup } from '../config/conditions';
import type { ClassChoice } from '../config/python-scope';
import type { CanonicalName, Hyperparameters, Precision, Setting } from './types';
import { spells } from './names';
import { unreadOption } from './unread';

interface Found {
  name: CanonicalName;
  value: unknown;
}

/** One way a framework spells some canonical names: looks at one located value. */
type Matcher = (v: LocatedValue, key: string, path: string[]) => Found[];

const one = (name: CanonicalName, value: unknown): Found[] => (value === undefined ? [] : [{ name, value }]);

export function toNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string' && /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/.test(value)) return Number(value);
  return undefined;
}

function toBool(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string' && /^(true|false)$/i.test(value)) return value.toLowerCase() === 'true';
  return undefined;
}

/** 'fp16', 'float16', 'torch.float16', 'half', 16 … → 'fp16'; likewise bf16 and fp32. */
export function toPrecision(value: unknown): Precision | undefined {
  const s = String(value).toLowerCase().replace(/^torch\./, '').replace(/^["']|["']$/g, '');
  if (/^(fp16|float16|half|16)$/.test(s)) return 'fp16';
  if (/^(bf16|bfloat16)$/.test(s)) return 'bf16';
  if (/^(fp32|float32|float|full|32|no)$/.test(s)) return 'fp32';
  return undefined;
}

const OPTIMIZER_NAME = /^(?:sgd|nesterov|momentum|adam|adamw|adamp|nadam|radam|adamax|adagrad|adadelta|adafactor|rmsprop|rmsproptf|lamb|lars|lion|novograd|sgdp|madgrad|fused\w+|lookahead_\w+)$/i;

function toMixed(value: unknown): 'no' | 'fp16' | 'bf16' | undefined {
  const p = toPrecision(value);
  return p === 'fp32' ? 'no' : p;
}

// Lightning's `precision`: 16/'16-mixed' is AMP, '16-true' keeps the weights themselves in fp16.
function lightningPrecision(value: unknown): Found[] {
  const s = String(value).toLowerCase();
  const m = /^(16|bf16|32|64)(?:-(mixed|true))?$/.exec(s);
  if (!m) return [];
  const [, bits, mode] = m;
  if (bits === '32' || bits === '64') return [{ name: 'mixed_precision', value: 'no' }];
  const p = bits === 'bf16' ? 'bf16' : 'fp16';
  if (mode === 'true') return [{ name: 'weight_dtype', value: p }, { name: 'mixed_precision', value: 'no' }];
  return [{ name: 'mixed_precision', value: p }];
}

// Keras dtype policies: 'mixed_float16' is AMP, 'float16' keeps the weights in fp16.
function kerasPolicy(value: unknown): Found[] {
  const s = String(value).toLowerCase();
  if (s === 'mixed_float16') return [{ name: 'mixed_precision', value: 'fp16' }];
  if (s === 'mixed_bfloat16') return [{ name: 'mixed_precision', value: 'bf16' }];
  if (s === 'float16' || s === 'bfloat16') return [{ name: 'weight_dtype', value: toPrecision(s) }, { name: 'mixed_precision', value: 'no' }];
  return [];
}

const has = (path: string[], re: RegExp) => path.some((p) => re.test(p));
// eps of a norm layer or label smoothing is not the optimizer's epsilon.
const NOT_OPTIMIZER = /norm|^bn|^ln|smooth|greedy|clip|layer|attention|vae|scheduler/;
const NOT_TRAIN = /^(val|valid|validation|test|eval|evaluation|val_dataloader|test_dataloader|val_cfg|test_cfg)$/;

const matchers: Matcher[] = [
  (v, key, path) =>
    // a scheduler's own lr is not the optimizer's, but OneCycle's `max_lr` is the peak the optimizer reaches
    spells('learning_rate', key) && !has(path.slice(0, -1), key === 'max_lr' ? /warmup/ : /scheduler|warmup/)
      ? one('learning_rate', toNumber(v.value))
      : [],
  (v, key, path) =>
    spells('adam_epsilon', key) && !has(path.slice(0, -1), NOT_OPTIMIZER)
      ? one('adam_epsilon', toNumber(v.value))
      : [],
  (v, key, path) => {
    if (spells('max_grad_norm', key) || (key === 'max_norm' && has(path, /clip/))) return one('max_grad_norm', v.value === null ? null : toNumber(v.value));
    // mmengine/mmcv: `clip_grad=None` / `grad_clip=None` switches clipping off
    if ((key === 'clip_grad' || key === 'grad_clip') && (v.value === null || v.text === 'None')) return one('max_grad_norm', null);
    return [];
  },
  (v, key) => (spells('weight_dtype', key) ? one('weight_dtype', toPrecision(v.value)) : []),
  (v, key, path) => {
    if (key === 'mixed_precision' && /float16$/.test(String(v.value))) return kerasPolicy(v.value);
    // Coqui TTS and others: `"mixed_precision": true` is torch AMP, whose autocast dtype is fp16
    if (key === 'mixed_precision' && toBool(v.value) !== undefined) return one('mixed_precision', toBool(v.value) ? 'fp16' : 'no');
    if (key === 'mixed_precision' || key === 'amp_dtype') return one('mixed_precision', toMixed(v.value));
    if (key === 'precision') return lightningPrecision(v.value);
    if (['policy', 'global_policy', 'dtype_policy', 'set_global_policy'].includes(key)) return kerasPolicy(v.value);
    // HF TrainingArguments `fp16: true` / `bf16: true`; DeepSpeed `fp16.enabled` / `bf16.enabled`
    const flag = key === 'enabled' ? path[path.length - 2] : key;
    if ((flag === 'fp16' || flag === 'bf16') && toBool(v.value) === true) return one('mixed_precision', flag);
    if ((key === 'amp' || key === 'use_amp' || key === 'use_fp16') && toBool(v.value) === true) return one('mixed_precision', 'fp16');
    // `amp: fp16` / `--amp bf16` (efficientvit, timm-style trainers): the AMP dtype itself
    if ((key === 'amp' || key === 'amp_type' || key === 'autocast_dtype') && typeof v.value === 'string' && toMixed(v.value) !== undefined) return one('mixed_precision', toMixed(v.value));
    if (key === 'use_bf16' && toBool(v.value) === true) return one('mixed_precision', 'bf16');
    // mmcv: a top-level `fp16 = dict(loss_scale=512.)` turns on Fp16OptimizerHook (DeepSpeed's `fp16` block says `enabled`)
    if (path.length >= 2 && path[0] === 'fp16' && path[1] === 'loss_scale' && v.source === 'python') return one('mixed_precision', 'fp16');
    // mmengine: `optim_wrapper = dict(type='AmpOptimWrapper', ...)`
    if (key === 'type' && v.value === 'AmpOptimWrapper') return one('mixed_precision', 'fp16');
    return [];
  },
  (v, key) =>
    spells('warmup_steps', key)
      ? one('warmup_steps', toNumber(v.value))
      : spells('warmup_ratio', key)
        ? one('warmup_ratio', toNumber(v.value))
        : [],
  (v, key) => {
    // Lightning: a float val_check_interval is a fraction of an epoch, not a step count
    if (key === 'val_check_interval' && /\./.test(v.text)) return one('validation', `${v.text} epoch`);
    if (spells('validation', key) && !/strategy$/.test(key)) return one('validation', toNumber(v.value) ?? (typeof v.value === 'string' ? v.value : undefined));
    if ((key === 'eval_strategy' || key === 'evaluation_strategy') && v.value === 'no') return one('validation', 'no');
    return [];
  },
  (v, key, path) => {
    if (key === 'optim' && typeof v.value === 'string') return one('optimizer', v.value);
    // timm's `--opt rmsproptf` / `--opt adamw`: `opt` names an optimizer only when its value is one
    if (key === 'opt' && typeof v.value === 'string' && OPTIMIZER_NAME.test(v.value)) return one('optimizer', v.value);
    if (key === 'use_8bit_adam' && toBool(v.value) === true) return one('optimizer', 'AdamW8bit');
    const parent = path[path.length - 2];
    if ((key === 'type' || key === 'name') && (parent === 'optimizer' || parent === 'optim') && typeof v.value === 'string') return one('optimizer', v.value);
    if (key === 'class_path' && parent === 'optimizer' && typeof v.value === 'string') return one('optimizer', v.value.split('.').pop());
    if (key === 'optimizer' && typeof v.value === 'string' && /^[A-Za-z][\w.]*$/.test(v.value)) return one('optimizer', v.value.split('.').pop());
    return [];
  },
  (v, key) => {
    if (spells('loss_scale', key)) {
      if (v.value === 'dynamic') return one('loss_scale', 'dynamic');
      const n = toNumber(v.value);
      return one('loss_scale', n === 0 ? 'dynamic' : n); // DeepSpeed: 0 means dynamic
    }
    if (spells('initial_scale_power', key)) return one('initial_scale_power', toNumber(v.value));
    if (spells('min_loss_scale', key)) return one('min_loss_scale', toNumber(v.value));
    return [];
  },
  (v, key) => (spells('scale_lr', key) ? one('scale_lr', toBool(v.value)) : []),
  (v, key, path) => {
    if (has(path, NOT_TRAIN)) return [];
    if (spells('batch_size', key) || (key === 'b' && (v.source === 'shell' || v.source === 'command'))) return one('batch_size', toNumber(v.value));
    // detectron2 / maskrcnn-benchmark: SOLVER.IMS_PER_BATCH is summed over all GPUs (an IMS_PER_BATCH elsewhere is a test batch)
    if (spells('total_batch_size', key) && (key !== 'ims_per_batch' || has(path, /^solver$/))) return one('total_batch_size', toNumber(v.value));
    if (spells('reference_batch_size', key) && has(path, /auto_scale_lr/)) return one('reference_batch_size', toNumber(v.value));
    return [];
  },
  (v, key) =>
    spells('gradient_accumulation_steps', key) ? one('gradient_accumulation_steps', toNumber(v.value)) : [],
  (v, key) => (spells('num_processes', key) ? one('num_processes', toNumber(v.value)) : []),
  (v, key) => (spells('lr_scheduler', key) && typeof v.value === 'string' ? one('lr_scheduler', v.value) : []),
  (v, key) => (spells('snr_gamma', key) ? one('snr_gamma', toNumber(v.value)) : []),
  (v, key) => (spells('zero_terminal_snr', key) ? one('zero_terminal_snr', toBool(v.value)) : []),
  (v, key) => (spells('prediction_type', key) && typeof v.value === 'string' ? one('prediction_type', v.value) : []),
  (v, key) => (spells('initializer_range', key) ? one('initializer_range', toNumber(v.value)) : []),
];

/** Command-line flags (`--learning-rate`) and dotted keys share one spelling. */
function keySegments(keyPath: string): string[] {
  return keyPath
    .replace(/^-+/, '')
    .split('.')
    .map((s) => s.replace(/\[\d+\]$/, '').replace(/^-+/, '').replace(/-/g, '_').toLowerCase());
}

// A command line overrides a config file, which overrides a launcher's config (accelerate's `default_config.yaml`:
// the script passes the training config's `mixed_precision` to Accelerator(), which wins), which overrides a script's
// defaults (a function's default parameter last).
const rank = (s: Setting, launcherFiles: Set<string>) => (launcherFiles.has(s.at.file) ? SOURCE_RANK.launcher : (SOURCE_RANK[s.at.source] ?? 1));

/** accelerate's config file (`accelerate config` writes it): launcher defaults, not the run's own settings. */
function isLauncherConfig(file: LocatedFile): boolean {
  const top = new Set(file.values.map((v) => v.keyPath.split('.')[0]));
  return top.has('compute_environment') && top.has('distributed_type');
}

/** The canonical hyperparameters set in these files, each with where it is set. */
export function readHyperparameters(files: LocatedFile[]): Hyperparameters {
  const all: Record<string, Setting[]> = {};
  const add = (name: CanonicalName, value: unknown, at: LocatedValue) => (all[name] ??= []).push({ value, at });
  const lookup = configLookup(files);
  for (const file of files) {
    // a value set in a branch the run's config rules out (`elif "t5" in args.model_name_or_path:`) is not a setting of this run
    const values = file.values.filter((v) => !ruledOut(v, lookup));
    for (const v of values) {
      const path = keySegments(v.keyPath);
      const key = path[path.length - 1] ?? '';
      for (const match of matchers) for (const f of match(v, key, path)) add(f.name, f.value, v);
    }
    for (const w of mmengineWarmup(values)) add('warmup_steps', w.value, w.at);
    const noClip = mmcvWithoutClipping(values);
    if (noClip) add('max_grad_norm', null, noClip);
    for (const fact of file.facts) {
      if (fact.kind !== 'optimizer' || ruledOut(fact, lookup)) continue;
      const name = optimizerClass(fact, lookup) ?? optimizerName(fact.text);
      if (name) add('optimizer', name, factValue(fact, 'optimizer', name));
    }
  }
  const hp: Hyperparameters = { all };
  const launcherFiles = new Set(files.filter(isLauncherConfig).map((f) => f.file));
  for (const [name, settings] of Object.entries(all)) {
    // an argparse default nothing reads has no effect on the run (it stays in `all` for the rules that say so)
    const effective = settings.filter((s) => !unreadOption(s, files));
    if (!effective.length) continue;
    const best = [...effective].sort((a, b) => rank(a, launcherFiles) - rank(b, launcherFiles))[0];
    (hp as unknown as Record<string, Setting>)[name] = best;
  }
  return hp;
}

/** The plain values, for the probe and reports: `{ learning_rate: 1e-5, adam_epsilon: 1e-8, … }`. */
export function hyperparameterValues(hp: Hyperparameters): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, setting] of Object.entries(hp)) if (name !== 'all') out[name] = (setting as Setting).value;
  return out;
}

// mmengine warmup: `param_scheduler = [dict(type='LinearLR', begin=0, end=500, by_epoch=False), …]`.
// Schedulers count in epochs unless `by_epoch=False` (mmengine's default is True): only then is `end` a step count.
function mmengineWarmup(values: LocatedValue[]): Setting<number>[] {
  const out: Setting<number>[] = [];
  for (const v of values) {
    const m = /^(.*param_scheduler(?:\[\d+\])?)\.type$/.exec(v.keyPath);
    if (!m || !/^(LinearLR|ConstantLR|LinearLr|QuadraticWarmupLR|LinearWarmup)/.test(String(v.value))) continue;
    const byEpoch = values.find((o) => o.keyPath === `${m[1]}.by_epoch`);
    if (!byEpoch || toBool(byEpoch.value) !== false) continue;
    const end = values.find((o) => o.keyPath === `${m[1]}.end`);
    const n = end ? toNumber(end.value) : undefined;
    if (end && n !== undefined) out.push({ value: n, at: end });
  }
  return out;
}

/** The facts of the branches the run took (an optimizer built under `if opt.adam:` only when --adam was given). */
export function activeFacts(files: LocatedFile[]): ScriptFact[] {
  const lookup = configLookup(files);
  return files.flatMap((f) => f.facts).filter((fact) => !ruledOut(fact, lookup));
}

/**
 * The class an optimizer call built in this run: `optimizer_cls = bnb.optim.AdamW8bit if cfg.solver.use_8bit_adam else
 * torch.optim.AdamW` is AdamW when use_8bit_adam is false. When the config does not tell, the last choice (the usual default).
 */
export function optimizerClass(fact: ScriptFact, lookup: ConfigLookup): string | undefined {
  const choices = (fact.detail?.classChoices as ClassChoice[] | undefined) ?? [];
  const possible = choices.filter((c) => !ruledOut(c, lookup));
  const chosen = possible.at(-1) ?? choices.at(-1);
  if (chosen) return chosen.class;
  return typeof fact.detail?.class === 'string' ? fact.detail.class : undefined;
}

// mmcv: `optimizer_config = dict()` (or any OptimizerHook dict without `grad_clip`) trains without clipping.
function mmcvWithoutClipping(values: LocatedValue[]): LocatedValue | undefined {
  const hook = values.filter((v) => v.keyPath === 'optimizer_config' || v.keyPath.startsWith('optimizer_config.'));
  if (!hook.length || hook.some((v) => v.keyPath.startsWith('optimizer_config.grad_clip'))) return undefined;
  return hook.find((v) => v.keyPath === 'optimizer_config') ?? hook[0];
}

function optimizerName(text: string): string | undefined {
  const m = /([A-Za-z_][\w]*)\s*\(/.exec(text.replace(/^[^(=]*=\s*/, ''));
  return m ? m[1] : undefined;
}

function factValue(fact: ScriptFact, keyPath: string, value: unknown): LocatedValue {
  return { file: fact.file, keyPath, key: keyPath, value, text: fact.text, range: fact.range, source: 'python' };
}
