// fp16 trainable weights without AMP's fp32 master copy; fp16 AMP where bf16's range is the fix.
import type { Fix, LocatedValue, NanDiagnostic, TextEdit } from '../types';
import { afterAnUpdate, eventBefore, firstEvidence, relatedEvent, relatedIncident, shows, type Evidence } from './evidence';
import { fix, quoteLike, replaceValue } from './edits';
import { castRef, halfWeights, mixedPrecisionOn, settingRef, type HalfWeights } from './weights';
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
    out.push({
      file: mp.at.file,
      range: mp.at.range,
      severity,
      code: 'precision',
      message: `${settingRef(mp)} while the trainable weights are fp16 (${half.why}): no AMP, no loss scaling and no fp32 master weights${evidence}`,
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
  if (at.key === 'precision') return [fix('Use 16-bit mixed precision (fp32 master weights)', replaceValue(at, quoteLike(at.text, '16-mixed')))];
  if (/^b?float16$/.test(text)) return [fix('Use the mixed_float16 policy (fp32 variables)', replaceValue(at, quoteLike(at.text, 'mixed_float16')))];
  return toFp32 ? [fix('Keep fp32 weights and train with fp16 mixed precision', toFp32, replaceValue(at, quoteLike(at.text, 'fp16')))] : [];
}

// AMP fp16 that keeps overflowing: bf16 has fp32's exponent range.
function fp16WhereBf16(ctx: RuleContext, e: Evidence): NanDiagnostic[] {
  const mp = ctx.hp.mixed_precision;
  if (!mp || mp.value !== 'fp16') return [];
  const scaleEvent = eventBefore(e, ['loss-scale', 'overflow']);
  if (e.incident.kind !== 'overflow' && !scaleEvent) return [];
  const related = [relatedIncident(e), ...(scaleEvent ? [relatedEvent(e, scaleEvent)] : [])];
  const bf16 = mp.at.text.trim().replace(/^["']|["']$/g, '').toLowerCase() === 'true' ? undefined : replaceValue(mp.at, quoteLike(mp.at.text, 'bf16'));
  return [
    {
      file: mp.at.file,
      range: mp.at.range,
      severity: 'error',
      code: 'precision',
      message: `fp16 mixed precision (${settingRef(mp)}) overflows: ${shows(e)} after the loss scaler ${scaleEvent ? `changed the scale (line ${scaleEvent.line})` : 'kept overflowing'}; bf16 has fp32's exponent range and needs no loss scaling`,
      related,
      fixes: bf16 ? [fix('Use bf16 mixed precision', bf16)] : [],
      verified: false,
      change: { mixed_precision: 'bf16' },
    },
  ];
}

export const precision: Rule = {
  code: 'precision',
  check(ctx) {
    const e = firstEvidence(ctx.runs);
    const half = halfWeights(ctx);
    if (half && half.precision === 'fp16' && !mixedPrecisionOn(ctx)) return fp16WithoutMaster(ctx, half, e);
    return e ? fp16WhereBf16(ctx, e) : [];
  },
};
