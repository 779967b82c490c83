// Adam's epsilon below fp16's smallest subnormal is 0 once the weights or optimizer state are fp16.
import type { NanDiagnostic, ScriptFact } from '../types';
import { afterAnUpdate, atFirstStep, firstEvidence, firstPassClears, relatedIncident, shows } from './helpers/evidence';
import { fix, formatLike, replaceValue } from './helpers/edits';
import { ampStyle, halfWeights, mixedPrecisionOn, runConfig } from './helpers/weights';
import { optimizerClass } from '../hyperparameters/read';
import type { Rule, RuleContext, Setting } from './types';

/** 2^-24: the smallest positive fp16 value; anything below 2^-25 rounds to 0. */
export const FP16_SMALLEST_SUBNORMAL = 2 ** -24;
const SAFE_EPSILON = 1e-6;
const ADAM_FAMILY = /adam|lamb|adafactor|radam|nadam|rmsprop/i;
const DEFAULT_EPSILON = 1e-8; // torch.optim.Adam/AdamW
// optimizers whose default eps is that 1e-8 (Adafactor's is a pair, (1e-30, 1e-3))
const DEFAULT_1E8 = /adam|rmsprop/i;

function roundsTo(eps: number): string {
  if (eps < FP16_SMALLEST_SUBNORMAL / 2) return 'rounds to 0 in fp16';
  return 'is below fp16 normal range and rounds to its smallest subnormal';
}

/** The optimizer constructor the run used, with the class it built (`optimizer_cls(…)` resolved through the config). */
function optimizerFact(ctx: RuleContext): { fact: ScriptFact; cls: string } | undefined {
  for (const fact of ctx.facts) {
    if (fact.kind !== 'optimizer') continue;
    const cls = optimizerClass(fact, runConfig(ctx)) ?? fact.text;
    if (ADAM_FAMILY.test(cls)) return { fact, cls };
  }
  return undefined;
}

/** A PyTorch optimizer built without `eps=`: it uses the default 1e-8, whatever a config's epsilon key says. */
function withoutEps(found: { fact: ScriptFact; cls: string } | undefined): boolean {
  const f = found?.fact;
  if (!f || /keras|tf\.|compile/.test(String(f.detail?.callee ?? '')) || !DEFAULT_1E8.test(found.cls)) return false;
  const kwargs = (f.detail?.kwargs ?? {}) as Record<string, unknown>;
  return !('eps' in kwargs) && !('epsilon' in kwargs);
}

/** `AdamW(model.parameters(), lr=lr)` → `AdamW(model.parameters(), lr=lr, eps=1e-6)`, for a call written on one line. */
function passEps(optimizer: ScriptFact | undefined): NanDiagnostic['fixes'] {
  const r = optimizer?.range;
  if (!optimizer || !r || r.start.line !== r.end.line || !optimizer.text.trim().endsWith(')')) return [];
  const at = { line: r.end.line, character: r.end.character - 1 };
  return [fix('Pass eps=1e-6 to the optimizer', { file: optimizer.file, range: { start: at, end: at }, newText: ', eps=1e-6' })];
}

export const optimizerEpsilon: Rule = {
  code: 'optimizer-epsilon',
  check(ctx) {
    const e = firstEvidence(ctx.runs);
    const half = halfWeights(ctx);
    const found = optimizerFact(ctx);
    const optimizer = found?.fact;
    const eps: Setting<number> | undefined = withoutEps(found) ? undefined : ctx.hp.adam_epsilon;
    const value = eps?.value ?? (found && DEFAULT_1E8.test(found.cls) ? DEFAULT_EPSILON : undefined);
    if (value === undefined || value >= FP16_SMALLEST_SUBNORMAL) return [];
    const file = eps?.at.file ?? optimizer!.file;
    const range = eps?.at.range ?? optimizer!.range;
    const name = eps ? `${eps.at.key} ${eps.at.text}` : `the optimizer's default epsilon (${DEFAULT_EPSILON})`;
    const related: NanDiagnostic['related'] = [];
    if (e) related.push(relatedIncident(e));
    if (optimizer && eps && optimizer.file !== eps.at.file) related.push({ file: optimizer.file, line: optimizer.range.start.line + 1, message: 'the optimizer that uses it' });
    for (const c of half?.casts ?? []) related.push({ file: c.file, line: c.range.start.line + 1, message: 'trainable module cast to fp16' });

    // DeepSpeed's fp16 and mmcv's fp16 hook expect the model in fp16 and step an fp32 master copy
    const master = ampStyle(ctx) === 'master';
    if (!half || half.precision !== 'fp16' || master) {
      // fp32 (or AMP's fp32 master) optimizer state represents 1e-8 fine; worth saying only when fp16/bf16 is in play
      if (!e || !mixedPrecisionOn(ctx)) return [];
      const why = master && half ? `${ctx.hp.mixed_precision!.at.keyPath} steps an fp32 master copy of the fp16 weights (${half.why})` : 'mixed precision keeps fp32 master weights and optimizer state';
      return [
        {
          file,
          range,
          severity: 'information',
          code: 'optimizer-epsilon',
          message: `${name} would round to 0 in fp16, but ${why}, so it is not the cause (cleared)`,
          related,
          fixes: [],
          verified: false,
        },
      ];
    }
    const implicated = !!e && afterAnUpdate(e) && half.strength === 'strong';
    // epsilon only enters the optimizer update: a NaN in the first forward pass came before it
    const cleared = !!e && atFirstStep(e);
    const evidence = !e
      ? '; the first update divides by sqrt(v) + 0 and can write inf/NaN into the weights'
      : cleared
        ? `, but ${firstPassClears(e, 'the epsilon')}`
        : `; ${shows(e)}${afterAnUpdate(e) ? ', after the first optimizer update' : ''}`;
    const message =
      `${name} ${roundsTo(value)} (smallest fp16 subnormal is 6.0e-8); ` +
      `the trainable weights are fp16 (${half.why})${mixedPrecisionOn(ctx) ? '' : ' with no fp32 master copy'}${evidence}`;
    const fixes = eps
      ? [fix(`Set ${eps.at.key} to ${formatLike(eps.at.text, SAFE_EPSILON)}`, replaceValue(eps.at, formatLike(eps.at.text, SAFE_EPSILON)))]
      : passEps(optimizer);
    return [
      {
        file,
        range,
        severity: cleared ? 'information' : implicated ? 'error' : 'warning',
        code: 'optimizer-epsilon',
        message,
        related,
        fixes,
        verified: false,
        change: { adam_epsilon: SAFE_EPSILON },
      },
    ];
  },
};
