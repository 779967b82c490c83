// Numeric hazards in the loss code the run executes (log of a probability, division by a sum that
// can be 0, sqrt at 0, exp that overflows, a mean over an empty selection, an epsilon that vanishes
// in the dtype, CTC keeping infinite losses), weighed against the incident: the term the log shows
// non-finite is an error, a non-finite total loss a warning, a term the log shows finite is cleared.
import type { EpsUse, NumericHazard } from '../config/python-hazards';
import type { Fix, NanDiagnostic, ScriptFact, Severity } from '../types';
import { baseName, firstEvidence, logRef, relatedIncident, shows, type Evidence } from './helpers/evidence';
import type { Precision, Rule, RuleContext } from './types';
import { enabledArgument, halfWeights } from './helpers/weights';

/** The epsilon each fix template takes, by the precision the value is computed in. */
const EPS: Record<Precision, Record<EpsUse, string>> = {
  fp32: { log: '1e-7', div: '1e-6', sqrt: '1e-12', add: '1e-7', 'near-one': '1e-7', 'exp-max': '80' },
  fp16: { log: '1e-4', div: '1e-4', sqrt: '1e-6', add: '1e-6', 'near-one': '1e-3', 'exp-max': '11' },
  bf16: { log: '1e-7', div: '1e-6', sqrt: '1e-12', add: '1e-7', 'near-one': '1e-2', 'exp-max': '80' },
};
/** Below this an added epsilon is 0 (the smallest subnormal). */
const ZERO_BELOW: Record<Precision, number> = { fp32: 2 ** -149, fp16: 2 ** -24, bf16: 2 ** -133 };
/** Below this `1 - eps` rounds to 1 (half the spacing just below 1). */
const ONE_BELOW: Record<Precision, number> = { fp32: 2 ** -25, fp16: 2 ** -12, bf16: 2 ** -9 };
const SPACING_BELOW_ONE: Record<Precision, string> = { fp32: '6.0e-8', fp16: '4.9e-4', bf16: '3.9e-3' };
const PRECISION_NAME: Record<Precision, string> = { fp32: 'float32', fp16: 'fp16', bf16: 'bf16' };
const GENERIC_TERMS = new Set(['', 'total', 'train', 'step', 'value', 'avg', 'mean', 'sum', 'all', 'running', 'batch', 'epoch']);

interface RunPrecision {
  precision: Precision;
  /** `autocast in train.py:69`, for a message. */
  why: string | null;
}

/** The precision the loss is computed in: half weights, a mixed-precision setting, autocast or a GradScaler in a script. */
function runPrecision(ctx: RuleContext): RunPrecision {
  const half = halfWeights(ctx);
  if (half) return { precision: half.precision, why: half.why };
  const mp = ctx.hp.mixed_precision;
  if (mp && mp.value !== 'no') return { precision: mp.value, why: `${mp.at.key}: ${mp.at.text}` };
  const off = (f: ScriptFact) => enabledArgument(f) === 'False';
  for (const f of ctx.facts) {
    const at = `${baseName(f.file)}:${f.range.start.line + 1}`;
    if (f.kind === 'autocast' && !off(f)) {
      const dtype = String(f.detail?.dtype ?? f.detail?.policy ?? '');
      return { precision: /bfloat16|bf16/.test(dtype) ? 'bf16' : 'fp16', why: `autocast at ${at}` };
    }
    if (f.kind === 'grad-scaler' && f.detail?.source !== 'accelerator' && !off(f)) return { precision: 'fp16', why: `${String(f.detail?.source)} at ${at}` };
  }
  return { precision: 'fp32', why: null };
}

/** A metric or term name reduced to what tells terms apart: `loss_iou`, `iou_loss` → `iou`; `GIoU` → `giou`. */
function termKey(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]/g, '').replace(/losses|loss/g, '');
}

const specific = (key: string) => !GENERIC_TERMS.has(key);

interface Judged {
  fact: ScriptFact;
  h: NumericHazard;
  severity: Severity;
  /** What the evidence says, appended to the message. */
  evidence: string;
}

function judge(e: Evidence | undefined, run: RunPrecision, fact: ScriptFact, breakdown: Set<string>): Judged | null {
  const h = fact.detail as unknown as NumericHazard;
  // outside the loss code, only a division by the largest of ReLU outputs (`x / x.max(dim=1)[0]`): 0/0 on an all-zero
  // feature vector, wherever in the forward pass it is (D2-Net's soft detection); and softplus written by hand (mish)
  if (!h.lossCode && !(h.hazard === 'div' && h.operand?.kind === 'peak') && !h.softplus) return null;
  const precision = h.fp32 ? 'fp32' : run.precision;
  if (h.hazard === 'eps-underflow') {
    const eps = h.eps;
    if (!eps || eps.value >= (eps.nearOne ? ONE_BELOW : ZERO_BELOW)[precision]) return null;
    if (!eps.matters) return { fact, h, severity: 'information', evidence: ' (the upper bound only matters where log(1 - p) is taken)' };
  }
  // a guard whose epsilon vanishes in this precision: the eps-underflow fact at the epsilon reports it
  if (h.hazard !== 'eps-underflow' && h.guard && h.eps && !h.eps.nearOne && h.eps.value < ZERO_BELOW[precision]) return null;
  // an epsilon that vanishes is the guard failing, not a guard
  const guarded = !!h.guard && h.guard.kind !== 'nonzero-only' && h.hazard !== 'eps-underflow';
  const named = e ? e.incident.nonFinite.map(termKey).filter(specific) : [];
  const terms = h.terms.map((t) => ({ name: t, key: termKey(t) })).filter((t) => specific(t.key));
  const hit = terms.find((t) => named.includes(t.key));
  if (!e) return guarded ? null : { fact, h, severity: 'information', evidence: ' (no non-finite value in the logs read)' };
  if (guarded) return hit ? { fact, h, severity: 'hint', evidence: `; guarded by \`${h.guard!.text}\` (line ${h.guard!.range.start.line + 1}), so it is not what made ${hit.name} non-finite (cleared)` } : null;
  if (hit) return { fact, h, severity: 'error', evidence: `; ${shows(e)}, and ${hit.name} is the term computed here` };
  // the log shows the loss term by term, and this hazard's own term is not among the non-finite ones
  const lossTerms = terms.filter((t) => /loss/i.test(t.name));
  if (breakdown.size >= 2 && lossTerms.length) {
    return { fact, h, severity: 'information', evidence: `; ${logRef(e)} shows ${[...breakdown].join(', ')} non-finite but not ${lossTerms[0].name} (cleared)` };
  }
  const where = h.function ? `, and ${h.function} is ${h.lossCode ? 'loss code' : 'in the forward pass'} the run executes` : '';
  return { fact, h, severity: 'warning', evidence: `; ${shows(e)}${where}` };
}

function message(j: Judged, run: RunPrecision): string {
  const { h, fact } = j;
  const precision = h.fp32 ? 'fp32' : run.precision;
  const at = (line: number) => `line ${line + 1}`;
  const op = h.operand ? `\`${short(h.operand.text)}\`` : 'the value';
  const guard = h.guard?.kind === 'nonzero-only' ? `; the guard \`${h.guard.text}\` (${at(h.guard.range.start.line)}) only excludes exactly 0, and a tiny positive divisor overflows just the same` : '';
  let what: string;
  switch (h.hazard) {
    case 'log':
      what =
        h.guard?.kind === 'bce-clamp'
          ? `binary cross-entropy on a sigmoid output takes log(p) and log(1 - p), which PyTorch clamps at -100; the logits form is exact and stable`
          : `${op} ${LOG_OPERAND[h.operand?.kind ?? ''] ?? 'is not kept away from 0'}: log(0) is -inf and its gradient 1/p is inf`;
      break;
    case 'div':
      what = h.handSoftmax
        ? `divides by ${op}, a sum of exps written by hand: it is inf when one exp overflows (inf/inf is NaN) and 0 when all underflow (0/0)${guard}`
        : `divides by ${op}, ${DIVISOR[h.operand?.kind ?? ''] ?? 'a value that can be 0'}: x/0 is inf and 0/0 is NaN${guard}`;
      break;
    case 'sqrt':
      what = `sqrt of ${op}, ${SQRT_OPERAND[h.operand?.kind ?? ''] ?? 'which can be exactly 0'}: the gradient 1/(2·sqrt(x)) is inf at 0, and NaN once it meets a 0 in the backward pass`;
      break;
    case 'exp':
      what = h.softplus
        ? `log(1 + exp(${op})), softplus written by hand: exp overflows to inf above ~88 in float32 (~11 in fp16), and its gradient exp/(1 + exp) is inf/inf = NaN there`
        : h.handSoftmax
        ? `exp of ${op}, a logit, in a softmax written by hand without subtracting the max: exp overflows to inf above ~88 in float32 (~11 in fp16), and the normalization gives inf/inf = NaN`
        : `exp of ${op}, an unbounded logit: it overflows to inf above ~88 in float32 (~11 in fp16)`;
      break;
    case 'empty-mean':
      what =
        h.role === 'mask-source'
          ? `this narrows the mask that selects ${op} for the mean at ${at(h.site!.line)} (\`${short(h.site!.text)}\`): when no position is left, that mean is over nothing, 0/0 = NaN`
          : h.role === 'reduction'
            ? `the 'mean' reduction divides by the number of elements ${op} holds, 0 when the mask selects none (${at(h.site!.line)}: \`${short(h.site!.text)}\`): 0/0 = NaN`
            : h.operand?.kind === 'count'
              ? `divides by ${op}, the number of elements the mask selects, 0 when it selects none: 0/0 = NaN${guard}`
              : `a mean over ${op}, the elements that ${h.mask ? `\`${short(h.mask.text)}\`${h.mask.line === fact.range.start.line ? '' : ` (${at(h.mask.line)})`}` : 'a mask'} selects, is NaN (0/0) when it selects none`;
      break;
    case 'eps-underflow': {
      const eps = h.eps!;
      what = eps.nearOne
        ? `1 - ${eps.text} rounds to exactly 1.0 in ${PRECISION_NAME[precision]} (the spacing just below 1 is ${SPACING_BELOW_ONE[precision]}), so clipping to [eps, 1 - eps] does not keep log(1 - p) finite for a saturated output`
        : `${eps.text} is 0 in fp16 (its smallest subnormal is 6.0e-8), so it does not guard ${h.site ? `\`${short(h.site.text)}\` (${at(h.site.line)})` : 'the value'} when the loss is computed in fp16${run.why ? ` (${run.why})` : ''}`;
      break;
    }
    case 'ctc-zero-infinity':
      what = 'zero_infinity=False keeps the inf loss of a sample that has no valid CTC alignment (an empty label, or one longer than the output sequence), and its gradient is NaN';
      break;
    case 'ctc-lengths':
      what = `the target lengths ${op} reach the CTC loss unclamped: a length of 0, or one longer than the input sequence, has no valid alignment and an inf loss${h.guard ? '' : ' (and zero_infinity is off)'}`;
      break;
  }
  const lead = h.role === 'divisor' ? `the divisor of \`${short(h.site!.text)}\` (${at(h.site!.line)}) is computed here; ` : h.role === 'guard' ? `guard of \`${short(h.site!.text)}\` (${at(h.site!.line)}): ` : '';
  const inFn = h.function ? ` in ${h.function}` : '';
  return `${lead}\`${short(fact.text)}\`${inFn}: ${what}${j.evidence}`;
}

const LOG_OPERAND: Record<string, string> = {
  softmax: 'is a softmax output, which underflows to exactly 0 for a confidently wrong class',
  sigmoid: 'is a sigmoid output, which saturates to exactly 0 in floating point',
  rectified: 'is a ReLU output, exactly 0 wherever its input is not positive',
  peak: 'is the largest of ReLU outputs, 0 wherever all of them are',
  probability: 'is a probability, which can be exactly 0',
  sum: 'is a sum that is 0 when all its terms are (a class absent from the batch)',
  selection: 'is a masked selection that can hold zeros',
  difference: 'is a difference that can be 0',
};
const DIVISOR: Record<string, string> = {
  sum: 'a sum that is 0 or tiny when its terms are (a batch with no targets)',
  count: 'a count that is 0 when nothing is selected',
  norm: 'a norm that is 0 for a zero vector',
  std: 'a standard deviation that is 0 for constant input',
  area: 'an area that is 0 for a degenerate (zero-size) box',
  extent: 'a box width or height that is 0 for a degenerate box',
  peak: 'the largest of ReLU outputs, 0 wherever all of them are (an all-zero feature vector)',
};
const SQRT_OPERAND: Record<string, string> = {
  square: 'a squared distance that is 0 when the points coincide',
  sum: 'a sum of squares that is 0 when every term is',
  std: 'a variance that is 0 for constant input',
  difference: 'a difference that can be 0',
};

function short(text: string): string {
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}

/** The fact's fix templates with `{eps}` chosen for the precision. */
function fixes(h: NumericHazard, precision: Precision): Fix[] {
  const eps = h.epsUse ? EPS[precision][h.epsUse] : '';
  const fill = (s: string) => s.replace(/\{eps\}/g, eps);
  return h.fixes.map((f) => ({ title: fill(f.title), edits: f.edits.map((e) => ({ range: e.range, newText: fill(e.newText) })) }));
}

export const lossHazard: Rule = {
  code: 'loss-function',
  check(ctx) {
    const facts = ctx.facts.filter((f) => f.kind === 'numeric-hazard');
    if (!facts.length) return [];
    const e = firstEvidence(ctx.runs);
    const run = runPrecision(ctx);
    // the non-finite terms the log names that the loss code computes: the log shows the loss term by term
    const codeTerms = new Set(facts.flatMap((f) => ((f.detail as unknown as NumericHazard).terms ?? []).map(termKey)));
    const breakdown = new Set(e ? e.incident.nonFinite.filter((m) => specific(termKey(m)) && codeTerms.has(termKey(m))) : []);
    const out: NanDiagnostic[] = [];
    for (const fact of facts) {
      const j = judge(e, run, fact, breakdown);
      if (!j) continue;
      const related: NanDiagnostic['related'] = e ? [relatedIncident(e)] : [];
      if (j.h.site) related.push({ file: fact.file, line: j.h.site.line + 1, message: j.h.site.text });
      if (j.h.guard && j.h.role !== 'guard') related.push({ file: fact.file, line: j.h.guard.range.start.line + 1, message: `guard: ${j.h.guard.text}` });
      out.push({
        file: fact.file,
        range: fact.range,
        severity: j.severity,
        code: 'loss-function',
        message: message(j, run),
        related,
        // a guarded construct is reported as checked, with nothing to change
        fixes: j.severity === 'hint' ? [] : fixes(j.h, j.h.fp32 ? 'fp32' : run.precision),
        verified: false,
      });
    }
    return out;
  },
};
