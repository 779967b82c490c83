// Which precision the trainable weights and the optimizer state live in, from configs and script casts.
import type { BranchCondition, LocatedValue, ScriptFact } from '../../types';
import { configLookup, holds, type ConfigLookup } from '../../config/conditions';
import { toPrecision } from '../../hyperparameters/read';
import { baseName } from './evidence';
import type { Precision, RuleContext, Setting } from '../types';

export interface HalfWeights {
  precision: 'fp16' | 'bf16';
  /** Script casts of trainable modules to that precision. */
  casts: ScriptFact[];
  /** The config setting behind them, when there is one. */
  setting?: Setting<Precision>;
  /** strong: a cast of a trainable module or a precision mode that keeps weights in half; weak: only a dtype key. */
  strength: 'strong' | 'weak';
  /** `weight_dtype: "fp16", train_stage1.py:196 imageproj.to(weight_dtype)` */
  why: string;
}

interface DtypeChoice {
  dtype?: string;
  when?: string | null;
  configKey?: string | null;
  configValue?: unknown;
  condition?: BranchCondition;
  fromKey?: string;
}

const lookups = new WeakMap<RuleContext['files'], ConfigLookup>();

/** The run's config values by key, to tell which branch of a script ran (one per analysis). */
export function runConfig(ctx: RuleContext): ConfigLookup {
  let lookup = lookups.get(ctx.files);
  if (!lookup) lookups.set(ctx.files, (lookup = configLookup(ctx.files)));
  return lookup;
}

// In source order, the last assignment whose condition holds wins (`weight_dtype = torch.float32` then
// `if accelerator.mixed_precision == "fp16": weight_dtype = torch.float16`); undefined when a branch cannot be told.
function chosenDtype(ctx: RuleContext, choices: DtypeChoice[]): Precision | undefined {
  const lookup = runConfig(ctx);
  let chosen: string | undefined;
  for (const c of choices) {
    const dtype = c.fromKey ? String(lookup(c.fromKey) ?? '') : c.dtype;
    const h = holds(c.condition, lookup);
    if (h === undefined || !dtype) return undefined;
    if (h) chosen = dtype;
  }
  return chosen === undefined ? undefined : toPrecision(chosen);
}

/** Config values by key path, to resolve `weight_dtype = torch.float16 if cfg.weight_dtype == "fp16"`. */
function configValue(ctx: RuleContext, keyPath: string): LocatedValue | undefined {
  for (const f of ctx.files) {
    if (f.language === 'python') continue;
    const v = f.values.find((x) => x.keyPath === keyPath || x.keyPath.endsWith(`.${keyPath}`));
    if (v) return v;
  }
  return undefined;
}

/** The precision a half-cast fact puts a module in, given the configs at hand. */
export function castPrecision(ctx: RuleContext, fact: ScriptFact): Precision | undefined {
  const choices = (fact.detail?.dtypes as DtypeChoice[] | undefined) ?? [];
  const chosen = chosenDtype(ctx, choices);
  if (chosen) return chosen;
  for (const c of choices) {
    if (!c.dtype) continue;
    if (c.configKey) {
      const v = configValue(ctx, c.configKey);
      if (v && String(v.value) === String(c.configValue)) return toPrecision(c.dtype);
    }
  }
  const unconditional = choices.find((c) => c.dtype && !c.configKey && !c.when);
  if (unconditional) return toPrecision(unconditional.dtype);
  const expr = String(fact.detail?.dtypeExpr ?? '');
  const direct = toPrecision(expr);
  if (direct) return direct;
  // `.to(weight_dtype)` whose choice the script makes from the config's weight_dtype
  if (/dtype/.test(expr) && ctx.hp.weight_dtype) return ctx.hp.weight_dtype.value;
  return undefined;
}

export function castRef(fact: ScriptFact): string {
  return `${baseName(fact.file)}:${fact.range.start.line + 1} ${fact.text.trim()}`;
}

export function settingRef(s: Setting): string {
  return `${s.at.key}: ${s.at.text}`;
}

/** The trainable weights are kept in fp16/bf16 (not an AMP copy), if the configs and scripts say so. */
export function halfWeights(ctx: RuleContext): HalfWeights | undefined {
  const casts = ctx.facts.filter((f) => f.kind === 'half-cast' && f.detail?.trainable !== false);
  const resolved = casts.map((f) => ({ f, p: castPrecision(ctx, f) })).filter((c) => c.p === 'fp16' || c.p === 'bf16');
  const setting = ctx.hp.weight_dtype;
  if (resolved.length) {
    const precision = resolved.some((c) => c.p === 'fp16') ? 'fp16' : 'bf16';
    const used = resolved.filter((c) => c.p === precision).map((c) => c.f);
    // the shortest casts read best in a message (`imageproj.to(weight_dtype)`)
    const shown = [...used].sort((a, b) => a.text.length - b.text.length).slice(0, 1);
    const parts = [...(setting && setting.value === precision ? [settingRef(setting)] : []), ...shown.map(castRef)];
    if (used.length > shown.length) parts[parts.length - 1] += ` and ${used.length - shown.length} more cast${used.length - shown.length === 1 ? '' : 's'}`;
    return { precision, casts: used, setting: setting?.value === precision ? setting : undefined, strength: 'strong', why: parts.join(', ') };
  }
  if (setting && (setting.value === 'fp16' || setting.value === 'bf16')) {
    // Lightning '16-true' / a Keras 'float16' policy keep the weights themselves in half precision
    const mode = !['weight_dtype', 'torch_dtype', 'param_dtype', 'model_dtype'].includes(setting.at.key);
    const scriptsSeen = ctx.files.some((f) => f.language === 'python' && f.facts.length > 0);
    if (mode || !scriptsSeen) return { precision: setting.value, casts: [], setting, strength: mode ? 'strong' : 'weak', why: settingRef(setting) };
  }
  return undefined;
}

/** AMP keeps fp32 master weights (and fp32 optimizer state) when mixed precision is on. */
export function mixedPrecisionOn(ctx: RuleContext): boolean {
  const mp = ctx.hp.mixed_precision;
  return !!mp && mp.value !== 'no';
}

/**
 * How the run's mixed precision treats half-precision weights. `master`: the model itself is fp16 and the optimizer
 * keeps an fp32 master copy (DeepSpeed's `fp16.enabled`, mmcv's `fp16 = dict(...)` hook), so `.half()` is expected.
 * `autocast`: torch AMP (accelerate, Trainer, Lightning, GradScaler), which needs the trainable weights in fp32.
 */
export function ampStyle(ctx: RuleContext): 'master' | 'autocast' | undefined {
  const mp = ctx.hp.mixed_precision;
  if (!mp || mp.value === 'no') return undefined;
  const path = mp.at.keyPath.toLowerCase();
  if (/(^|\.)(fp16|bf16|bfloat16)\.enabled$/.test(path) || /^fp16\.loss_scale(\.|$)/.test(path)) return 'master';
  return 'autocast';
}

/** The `enabled=` argument of an autocast or GradScaler as written (`False`, `args.amp`), or undefined without one. */
export function enabledArgument(f: ScriptFact): string | undefined {
  return (f.detail?.kwargs as Record<string, { text?: string }> | undefined)?.enabled?.text;
}
