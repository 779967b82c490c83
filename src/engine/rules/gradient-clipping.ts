// Gradient clipping absent, 0 or huge while gradient norms spike; cleared when it is on.
import type { LocatedValue, NanDiagnostic, Range, ScriptFact } from '../types';
import { afterAnUpdate, atFirstStep, baseName, eventBefore, firstEvidence, firstPassClears, relatedEvent, relatedIncident, shows } from './helpers/evidence';
import { fix, formatLike, replaceValue } from './helpers/edits';
import type { Rule, RuleContext, Setting } from './types';

const HUGE = 100; // a max norm this large never clips in practice
const SUGGESTED = 1.0;

function clipCall(ctx: RuleContext): ScriptFact | undefined {
  return ctx.facts.find((f) => f.kind === 'clip-grad-norm');
}

// `clip_grad_norm_(params, 1.0)`: a literal max norm written in the call itself
function literalMaxNorm(call: ScriptFact | undefined): Setting<number | null> | undefined {
  const m = call?.detail?.maxNorm as { text: string; range: Range; value?: unknown } | null | undefined;
  if (!call || !m || typeof m.value !== 'number') return undefined;
  return { value: m.value, at: { file: call.file, keyPath: 'max_norm', key: 'max_norm', value: m.value, text: m.text, range: m.range, source: 'python' } };
}

/** The suggested max norm in the setting's own form: mmengine's `clip_grad` / mmcv's `grad_clip` take a dict of clip_grad_norm_ arguments. */
function clipText(at: LocatedValue): string {
  const text = at.text.trim();
  if (/^[\d.eE+-]+$/.test(text)) return formatLike(text, SUGGESTED);
  if (at.key !== 'clip_grad' && at.key !== 'grad_clip') return '1.0';
  if (at.source === 'python') return `dict(max_norm=${SUGGESTED.toFixed(1)})`;
  if (at.source === 'json') return `{ "max_norm": ${SUGGESTED.toFixed(1)} }`;
  if (at.source === 'yaml') return `{ max_norm: ${SUGGESTED.toFixed(1)} }`;
  return '1.0';
}

export const gradientClipping: Rule = {
  code: 'gradient-clipping',
  check(ctx) {
    const e = firstEvidence(ctx.runs);
    if (!e) return [];
    const call = clipCall(ctx);
    const setting = ctx.hp.max_grad_norm ?? literalMaxNorm(call);
    const callRef = call ? `, used at ${baseName(call.file)}:${call.range.start.line + 1}` : '';
    const norm = setting?.value ?? null;
    const on = norm !== null && norm > 0 && norm <= HUGE;
    const spike = eventBefore(e, ['grad-norm-spike']);
    const related: NanDiagnostic['related'] = [relatedIncident(e), ...(spike ? [relatedEvent(e, spike)] : [])];

    if (on && setting) {
      return [
        {
          file: setting.at.file,
          range: setting.at.range,
          severity: 'information',
          code: 'gradient-clipping',
          message:
            `gradient clipping is on (${setting.at.key} ${setting.at.text}${callRef}): it is not the cause (cleared); ` +
            'clipping bounds finite gradients but cannot stop a NaN that comes from the weights or the optimizer state',
          related,
          fixes: [],
          verified: false,
        },
      ];
    }
    // clipping acts on the gradients of an update: a NaN in the first forward pass came before any
    const cleared = atFirstStep(e);
    if (!afterAnUpdate(e) && !spike && !cleared) return [];
    const what = setting ? (norm === null || norm === 0 ? `gradient clipping is off (${setting.at.key}: ${setting.at.text})` : `${setting.at.key} ${setting.at.text} is too large to clip`) : 'the training loop never clips gradients (no clip_grad_norm_ after backward)';
    // Exploding gradients show before the NaN: norms that spike, or a loss that blows up. Without either, no clipping
    // is only something the evidence does not rule out.
    const blowUp = e.run.lossBlewUp;
    const evidence = cleared
      ? `, but ${firstPassClears(e, 'gradient clipping')}`
      : spike
        ? `; gradient norms spiked at line ${spike.line} just before ${shows(e).replace(/ shows /, ': ')}`
        : blowUp
          ? `; the loss blew up from about ${formatLike('1.0', blowUp.from)} to ${formatLike('1.0', blowUp.to)} (from line ${blowUp.line}) just before ${shows(e).replace(/ shows /, ': ')}`
          : `; ${shows(e)}, with no gradient-norm spike or loss blow-up before it: not ruled out, not indicated`;
    // a clip call whose max norm we cannot read is clipping all the same
    if (!setting && call) return [];
    // absent: only a custom loop (an optimizer built in a script, no clip call) surely has none; Trainer defaults clip
    const optimizer = ctx.facts.find((f) => f.kind === 'optimizer');
    const place = setting?.at ?? (optimizer ? { file: optimizer.file, range: optimizer.range } : undefined);
    if (!place) return [];
    return [
      {
        file: place.file,
        range: place.range,
        severity: cleared ? 'information' : spike ? 'error' : blowUp ? 'warning' : 'information',
        code: 'gradient-clipping',
        message: `${what}${evidence}`,
        related,
        fixes: setting ? [fix(`Clip gradients at ${SUGGESTED}`, replaceValue(setting.at, clipText(setting.at)))] : [],
        verified: false,
        change: { max_grad_norm: SUGGESTED },
      },
    ];
  },
};
