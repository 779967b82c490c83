// Every place a run chooses fp16: a flag (`fp16=True`, `--fp16`), a precision (`precision: "16-mixed"`,
// `mixed_precision="fp16"`), DeepSpeed's `"fp16": {"enabled": true}` and the launch line that picks that JSON,
// mm*'s `fp16 = dict(...)` / `AmpOptimWrapper`, and `.half()` on the model; each with the edit that makes it bf16.
import type { Fix, LocatedValue, Range, ScriptFact, TextEdit } from '../../types';
import { baseName } from './evidence';
import { fix, quoteLike, rangeWithin, replaceValue } from './edits';
import { castPrecision, enabledArgument, runConfig } from './weights';
import { ruledOut } from '../../config/conditions';
import { unreadOption } from '../../hyperparameters/unread';
import type { RuleContext } from '../types';

export type ChoiceKind = 'flag' | 'precision' | 'deepspeed' | 'launch' | 'wrapper' | 'hook' | 'cast' | 'autocast';

export interface Fp16Choice {
  file: string;
  range: Range;
  kind: ChoiceKind;
  /** In the user's words: `fp16=True`, `precision="16-mixed"`, `--mixed_precision=fp16`, `.half()`. */
  ref: string;
  at?: LocatedValue;
  cast?: ScriptFact;
  /** Edits that make this place bf16 (or fp32 where bf16 has no spelling). */
  fixes: Fix[];
}

const DEEPSPEED_OPTION = /^-*(deepspeed|deepspeed_config|deepspeed_config_file|ds_config)$/;

/** `fp16=True`, `precision: "16-mixed"`, `--fp16`, `fp16.enabled = True` as the user wrote it. */
export function valueRef(v: LocatedValue): string {
  if (v.text.startsWith('-')) return v.text;
  if (v.source === 'command' || v.source === 'shell') return `--${v.keyPath}=${v.text}`;
  // a keyword of some call is written `fp16=True`; a config dict the script overrides, `fp16.enabled = True`
  if (isCallKeyword(v) || v.source === 'python-default') return `${v.key}=${v.text}`;
  if (v.source === 'python') return v.keyPath.includes('.') ? `${v.keyPath} = ${v.text}` : `${v.key}=${v.text}`;
  // `enabled` and `type` say nothing alone: `fp16.enabled: true`, `optim_wrapper.type: AmpOptimWrapper`
  return `${v.key === 'enabled' || v.key === 'type' ? v.keyPath : v.key}: ${v.text}`;
}

/** A precision keyword of a call the locator does not know (`ImagenTrainer.fp16`): its other spellings are that API's. */
function isCallKeyword(v: LocatedValue): boolean {
  return v.source === 'python' && /^[A-Z]\w*\.\w+$/.test(v.keyPath);
}

function kindOf(v: LocatedValue): ChoiceKind {
  if (v.key === 'precision') return 'precision';
  if (v.key === 'enabled') return 'deepspeed';
  if (v.key === 'type') return 'wrapper';
  if (v.key === 'loss_scale') return 'hook';
  return 'flag';
}

/**
 * The places that choose fp16 for this run, most specific first. `casts`: also `.half()` / `.to(torch.float16)` on
 * trainable modules (a cast is a choice of fp16 for the weights, not only for the activations).
 */
export function fp16Choices(ctx: RuleContext, opts: { casts: boolean }): Fp16Choice[] {
  const out: Fp16Choice[] = [];
  const seen = new Set<string>();
  const push = (c: Fp16Choice) => {
    const id = `${c.file}:${c.range.start.line}:${c.range.start.character}`;
    if (seen.has(id)) return;
    seen.add(id);
    out.push(c);
  };
  // (an option nothing in the run reads chooses nothing: pykoi's `fp16: bool = True` that its TrainingArguments never pass)
  // (a log that reports the precision, accelerate's `Mixed precision type: fp16`, tells the run's but is no place to change it)
  const settings = [...(ctx.hp.all.mixed_precision ?? []).filter((s) => s.value === 'fp16'), ...(ctx.hp.all.weight_dtype ?? []).filter((s) => s.value === 'fp16' && s.at.key === 'precision')].filter(
    (s) => !unreadOption(s, ctx.files) && s.at.source !== 'log-report',
  );
  for (const s of settings) push({ file: s.at.file, range: s.at.range, kind: kindOf(s.at), ref: valueRef(s.at), at: s.at, fixes: bf16Fixes(ctx, s.at) });
  // `--deepspeed ds_config.json`: the launch line that picks a JSON whose fp16 block is on
  const jsons = new Set(settings.filter((s) => kindOf(s.at) === 'deepspeed' && s.at.source === 'json').map((s) => baseName(s.at.file)));
  const lookup = runConfig(ctx);
  for (const f of ctx.files) {
    for (const v of f.values) {
      if (!DEEPSPEED_OPTION.test(v.key) || typeof v.value !== 'string' || !jsons.has(baseName(v.value)) || ruledOut(v, lookup)) continue;
      push({ file: v.file, range: v.keyRange ?? v.range, kind: 'launch', ref: valueRef(v), at: v, fixes: [] });
    }
  }
  // `with torch.cuda.amp.autocast():` around the training forward, when no setting chooses: the script itself does
  if (!settings.length) for (const a of trainingAutocasts(ctx)) push({ file: a.file, range: a.range, kind: 'autocast', ref: a.text.trim(), fixes: autocastToBf16(a) });
  if (opts.casts) {
    for (const c of ctx.facts) {
      if (c.kind !== 'half-cast' || c.detail?.trainable === false || castPrecision(ctx, c) !== 'fp16') continue;
      push({ file: c.file, range: c.range, kind: 'cast', ref: c.text.trim(), cast: c, fixes: castToBf16(c) });
    }
  }
  return out;
}

// A function that only evaluates or samples: its autocast is not the training forward's.
const NOT_TRAINING = /^(?:eval|evaluate|evaluation|valid|validate|validation|test|sample|sampling|infer|inference|generate|predict|visuali[sz]e|log_validation)(?:_|$)/i;

/**
 * Autocasts that run the training forward in fp16: `torch.cuda.amp.autocast()`, `torch.autocast("cuda")` or an fp16
 * dtype, not switched by an `enabled=` flag (the flag is then the choice), outside evaluation-only functions.
 */
function trainingAutocasts(ctx: RuleContext): ScriptFact[] {
  const lookup = runConfig(ctx);
  return ctx.facts.filter((f) => {
    if (f.kind !== 'autocast' || f.detail?.framework === 'keras' || ruledOut(f, lookup)) return false;
    const enabled = enabledArgument(f);
    if (enabled !== undefined && enabled !== 'True') return false;
    const dtype = String(f.detail?.dtype ?? '');
    const fp16 = dtype ? /float16|half/.test(dtype) && !/bfloat16/.test(dtype) : !/cpu/.test(String(f.detail?.device ?? ''));
    return fp16 && !NOT_TRAINING.test(String(f.detail?.function ?? ''));
  });
}

/** `autocast()` → `autocast(dtype=torch.bfloat16)`, or an fp16 dtype argument replaced. */
function autocastToBf16(a: ScriptFact): Fix[] {
  const dtype = rangeWithin(a.range, a.text, /torch\.float16|torch\.half/);
  if (dtype) return [fix('Autocast to bf16', { file: a.file, range: dtype, newText: 'torch.bfloat16' })];
  const close = a.text.lastIndexOf(')');
  if (close < 0 || a.text.includes('\n')) return [];
  const empty = /\(\s*\)/.test(a.text.slice(0, close + 1));
  const at = { line: a.range.start.line, character: a.range.start.character + close };
  return [fix('Autocast to bf16', { file: a.file, range: { start: at, end: at }, newText: empty ? 'dtype=torch.bfloat16' : ', dtype=torch.bfloat16' })];
}

/** The edits that turn one fp16 setting into bf16 in the user's own spelling. */
function bf16Fixes(ctx: RuleContext, v: LocatedValue): Fix[] {
  const bare = v.text.trim().replace(/^["']|["']$/g, '').toLowerCase();
  switch (kindOf(v)) {
    case 'precision': {
      const mode = /true$/.test(bare) ? 'true' : 'mixed';
      return [fix(`Use bf16-${mode} precision`, replaceValue(v, quoted(v, `bf16-${mode}`))), fix('Use 32-bit precision', replaceValue(v, quoted(v, mode === 'true' ? '32-true' : '32')))];
    }
    case 'deepspeed': {
      const edits: (TextEdit & { file?: string })[] = [replaceValue(v, v.source === 'json' ? 'false' : 'False')];
      const lookup = runConfig(ctx);
      const distance = (o: LocatedValue) => Math.abs(o.range.start.line - v.range.start.line);
      // the bf16 switch beside it: in the same JSON, or the assignment nearest to it in the branch the run took
      const on = ctx.files
        .filter((f) => f.file === v.file)
        .flatMap((f) => f.values)
        .filter((o) => /^(bf16|bfloat16)\.enabled$/.test(o.keyPath) && o.value === false && !ruledOut(o, lookup))
        .sort((a, b) => distance(a) - distance(b))[0];
      if (on) edits.push(replaceValue(on, on.source === 'json' ? 'true' : 'True'));
      return [fix(on ? "Use DeepSpeed's bf16 instead of fp16" : "Turn DeepSpeed's fp16 off (add \"bf16\": {\"enabled\": true} on GPUs that have it)", ...edits)];
    }
    case 'wrapper':
      return [fix('Train without AMP (OptimWrapper)', replaceValue(v, quoteLike(v.text, 'OptimWrapper')))];
    case 'hook':
      return [];
    default:
      break;
  }
  if (typeof v.value === 'string' && /float16$/.test(bare)) return [fix('Use the bf16 policy', replaceValue(v, quoteLike(v.text, bare.replace('float16', 'bfloat16'))))];
  if (typeof v.value === 'string') return [fix('Use bf16 mixed precision', replaceValue(v, quoteLike(v.text, 'bf16'))), fix('Train in fp32', replaceValue(v, quoteLike(v.text, 'no')))];
  // a boolean flag: `fp16=True` → `bf16=True` where the spelling is known (TrainingArguments, a YAML/JSON config, a command line)
  const out: Fix[] = [];
  if (v.key.includes('fp16') && !isCallKeyword(v) && v.source !== 'python-default') out.push(fix('Use bf16 instead of fp16', renameKey(v, v.key.replace(/fp16/, 'bf16'))));
  out.push(fix('Train in fp32', offFlag(v)));
  return out;
}

/** `fp16=True` → `fp16=False`, `fp16: true` → `fp16: false`, a bare `--fp16` dropped. */
function offFlag(v: LocatedValue): TextEdit & { file: string } {
  if (v.text.startsWith('--')) return replaceValue(v, '');
  return replaceValue(v, /^[A-Z]/.test(v.text.trim()) ? 'False' : 'false');
}

/** `fp16=True` → `bf16=True`, `--fp16` → `--bf16`, `"fp16": true` → `"bf16": true`: the key itself is the choice. */
function renameKey(v: LocatedValue, key: string): TextEdit & { file: string } {
  if (v.text.startsWith('--')) return { file: v.file, range: v.range, newText: `--${key}` };
  const start = v.keyRange?.start ?? v.range.start;
  const skip = v.source === 'json' ? 1 : v.source === 'command' || v.source === 'shell' ? 2 : 0;
  const from = { line: start.line, character: start.character + skip };
  return { file: v.file, range: { start: from, end: { line: from.line, character: from.character + v.key.length } }, newText: key };
}

function quoted(v: LocatedValue, s: string): string {
  if (/^["']/.test(v.text.trim())) return quoteLike(v.text, s);
  return v.source === 'python' || v.source === 'python-default' || v.source === 'json' ? `"${s}"` : s;
}

/** `.half()` → `.bfloat16()`, `torch.float16` → `torch.bfloat16`. */
function castToBf16(c: ScriptFact): Fix[] {
  const half = rangeWithin(c.range, c.text, /\bhalf\(\)/);
  if (half) return [fix('Cast to bf16 instead', { file: c.file, range: half, newText: 'bfloat16()' })];
  const dtype = rangeWithin(c.range, c.text, /\bfloat16\b/);
  if (dtype) return [fix('Cast to bf16 instead', { file: c.file, range: dtype, newText: 'bfloat16' })];
  return [];
}
