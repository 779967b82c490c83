// fp16 trainable weights without AMP's fp32 master copy, or cast to fp16 under AMP; fp16 where bf16's range is the fix.
import type { Fix, LocatedValue, NanDiagnostic, TextEdit } from '../types';
import { afterAnUpdate, firstEvidence, relatedIncident, shows, type Evidence } from './helpers/evidence';
import { fix, quoteLike, rangeWithin, replaceValue } from './helpers/edits';
import { ampStyle, castRef, halfWeights, mixedPrecisionOn, settingRef, type HalfWeights } from './helpers/weights';
import { fp16RangeDiagnostics } from './helpers/precision-range';
import { sdxlVaeInFp16 } from './helpers/sdxl-vae';
import type { Rule, RuleContext } from './types';

function fp16WithoutMaster(ctx: RuleContext, half: HalfWeights, e: Evidence | undefined): NanDiagnostic[] {
  const out: NanDiagnostic[] = [];
  const implicated = !!e && afterAnUpdate(e) && half.strength === 'strong';
  const severity = implicated ? 'error' : 'warning';
  const evidence = e ? `; ${shows(e)}${afterAnUpdate(e) ? ', after the first optimizer update' : ''}` : '';
  const related: NanDiagnostic['related'] = e ? [relatedIncident(e)] : [];
  for (const c of half.casts) related.push({ file: c.file, line: c.range.start.line + 1, message: `cast to fp16: ${c.text.trim()}` });
  const mp = ctx.hp.mixed_precision;
  const wd = half.setting && ['weight_dtype', 'torch_dtype', 'param_dtype', 'model_dtype'].includes(half.setting.at.key) ? half.setting : undefined;
  const toFp32 = wd ? replaceValue(wd.at, quoteLike(wd.at.text, 'fp32')) : undefined;
  const noAmp = mp ? `${settingRef(mp)} gives no fp32 master weights` : 'no mixed-precision setting gives fp32 master weights';
  const what = 'AdamW updates the fp16 weights directly: its state overflows or underflows and updates smaller than fp16 resolution are lost';

  if (wd) {
    const fixes = [fix(`Keep the trainable weights in fp32 (${wd.at.key}: fp32)`, toFp32!)];
    if (mp && mp.value === 'no') fixes.push(fix('Keep fp32 weights and train with fp16 mixed precision', toFp32!, replaceValue(mp.at, quoteLike(mp.at.text, 'fp16'))));
    out.push({
      file: wd.at.file,
      range: wd.at.range,
      severity,
      code: 'precision',
      message: `the trainable weights are fp16 (${half.why}) and ${noAmp}: ${what}${evidence}`,
      related,
      fixes,
      verified: false,
      change: { weight_dtype: 'fp32' },
    });
  }
  if (mp && mp.value === 'no') {
    const fixes = ampFixes(mp.at, toFp32);
    // Lightning '16-true' is both the precision mode and what puts the weights in fp16
    const itself = half.setting?.at === mp.at;
    out.push({
      file: mp.at.file,
      range: mp.at.range,
      severity,
      code: 'precision',
      message: itself
        ? `${settingRef(mp)} keeps every weight in fp16, the trained ones included: no fp32 master weights and no loss scaling; ${what}${evidence}`
        : `${settingRef(mp)} while the trainable weights are fp16 (${half.why}): no AMP, no loss scaling and no fp32 master weights${evidence}`,
      related: wd ? [...related, { file: wd.at.file, line: wd.at.range.start.line + 1, message: settingRef(wd) }] : related,
      fixes,
      verified: false,
      // the change is what the first fix does: with fp32 weights when it also edits weight_dtype
      change: fixes[0]?.edits.length === 2 ? { weight_dtype: 'fp32', mixed_precision: 'fp16' } : { mixed_precision: 'fp16' },
    });
  }
  if (!wd && !(mp && mp.value === 'no')) {
    // Only the script (`.half()`) or a precision mode says so: put it where it is written.
    const at = half.casts[0];
    const place = at ? { file: at.file, range: at.range } : half.setting ? { file: half.setting.at.file, range: half.setting.at.range } : undefined;
    if (place)
      out.push({
        ...place,
        severity,
        code: 'precision',
        message: `the trainable weights are kept in fp16 (${at ? castRef(at) : half.why}) and ${noAmp}: ${what}${evidence}`,
        related,
        fixes: [],
        verified: false,
        change: { weight_dtype: 'fp32' },
      });
  }
  return out;
}

/** Turn on AMP the way this setting spells it: Lightning '16-mixed', Keras 'mixed_float16', else fp32 weights + fp16 AMP. */
function ampFixes(at: LocatedValue, toFp32: (TextEdit & { file: string }) | undefined): Fix[] {
  const text = at.text.trim().replace(/^["']|["']$/g, '');
  if (at.key === 'precision') {
    const quoted = (s: string) => (/^["']/.test(at.text.trim()) || at.source === 'yaml' ? quoteLike(at.text, s) : `"${s}"`);
    const bf16 = /bf16/.test(text) ? [] : [fix(`Use bf16-${/true$/.test(text) ? 'true' : 'mixed'} precision`, replaceValue(at, quoted(/true$/.test(text) ? 'bf16-true' : 'bf16-mixed')))];
    return [fix('Use 16-bit mixed precision (fp32 master weights)', replaceValue(at, quoted('16-mixed'))), ...bf16, fix('Use 32-bit precision', replaceValue(at, quoted('32-true')))];
  }
  if (/^b?float16$/.test(text)) return [fix('Use the mixed_float16 policy (fp32 variables)', replaceValue(at, quoteLike(at.text, 'mixed_float16')))];
  return toFp32 ? [fix('Keep fp32 weights and train with fp16 mixed precision', toFp32, replaceValue(at, quoteLike(at.text, 'fp16')))] : [];
}

// torch AMP (accelerate, Trainer, Lightning) keeps the trainable weights in fp32 and only runs the forward in fp16;
// a trainable module cast to fp16 anyway gets fp16 gradients, which GradScaler refuses to unscale.
function fp16CastUnderAutocast(ctx: RuleContext, half: HalfWeights, e: Evidence | undefined): NanDiagnostic[] {
  const mp = ctx.hp.mixed_precision!;
  const severity = e && afterAnUpdate(e) ? 'error' : 'warning';
  const evidence = e ? `; ${shows(e)}` : '';
  return half.casts.map((c) => {
    const made = c.detail?.trainableEvidence ? ` (${c.detail.trainableEvidence})` : '';
    const dtype = rangeWithin(c.range, c.text, /,\s*dtype\s*=\s*[\w.]+|\.half\(\)/);
    return {
      file: c.file,
      range: c.range,
      severity,
      code: 'precision',
      message:
        `${c.text.trim()} puts ${c.detail?.module ?? 'the module'}, whose parameters are trained${made}, in fp16 while ${settingRef(mp)} trains with AMP: ` +
        `AMP needs fp32 trainable weights; GradScaler refuses fp16 gradients ("Attempting to unscale FP16 gradients"), and fp16 weights lose updates smaller than their resolution${evidence}`,
      related: e ? [relatedIncident(e), { file: mp.at.file, line: mp.at.range.start.line + 1, message: settingRef(mp) }] : [{ file: mp.at.file, line: mp.at.range.start.line + 1, message: settingRef(mp) }],
      fixes: dtype ? [fix('Keep the trained module in fp32 (cast only the frozen ones)', { file: c.file, range: dtype, newText: '' })] : [],
      verified: false,
      change: { weight_dtype: 'fp32' },
    };
  });
}

export const precision: Rule = {
  code: 'precision',
  check(ctx) {
    const e = firstEvidence(ctx.runs);
    const half = halfWeights(ctx);
    const out: NanDiagnostic[] = [];
    if (half && half.precision === 'fp16' && !mixedPrecisionOn(ctx)) out.push(...fp16WithoutMaster(ctx, half, e));
    else if (half && half.precision === 'fp16' && half.casts.length && ampStyle(ctx) === 'autocast') out.push(...fp16CastUnderAutocast(ctx, half, e));
    out.push(...sdxlVaeInFp16(ctx));
    // one diagnostic per line: the weights' precision says more than the range of the activations
    const said = new Set(out.map((d) => `${d.file}:${d.range.start.line}`));
    return [...out, ...fp16RangeDiagnostics(ctx, e, said)];
  },
};
