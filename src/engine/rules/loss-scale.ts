// fp16 loss scaling: a cascade of overflows, a starting scale that overflows, a floor that hides it.
import type { NanDiagnostic } from '../types';
import { atFirstStep, eventBefore, firstEvidence, relatedEvent, relatedIncident, shows } from './helpers/evidence';
import { fix, formatLike, replaceValue } from './helpers/edits';
import type { Rule } from './types';

const HIGH_POWER = 24; // 2^24 and up overflows fp16 gradients from the first step (DeepSpeed's default is 16)
const HIGH_STATIC = 2 ** 16;

export const lossScale: Rule = {
  code: 'loss-scale',
  check(ctx) {
    const e = firstEvidence(ctx.runs);
    const out: NanDiagnostic[] = [];
    const scaled = e && (e.incident.kind === 'overflow' || !!eventBefore(e, ['loss-scale', 'overflow']));
    const scaleEvent = e && eventBefore(e, ['loss-scale', 'overflow']);
    const related: NanDiagnostic['related'] = e ? [relatedIncident(e), ...(scaleEvent ? [relatedEvent(e, scaleEvent)] : [])] : [];
    const evidence = e && scaled ? `; ${shows(e)}${scaleEvent ? ` after the loss scale changed (line ${scaleEvent.line})` : ''}` : '';

    const power = ctx.hp.initial_scale_power;
    if (power && power.value >= HIGH_POWER) {
      out.push({
        file: power.at.file,
        range: power.at.range,
        severity: scaled ? 'error' : 'warning',
        code: 'loss-scale',
        message: `${power.at.key} ${power.at.text} starts the loss scale at 2^${power.value}, which overflows fp16 gradients (max 65504) from the first steps${evidence}`,
        related,
        fixes: [fix('Start the loss scale at 2^16', replaceValue(power.at, '16'))],
        verified: false,
        change: { initial_scale_power: 16 },
      });
    }
    const fixed = ctx.hp.loss_scale;
    const fp16 = ctx.hp.mixed_precision?.value === 'fp16';
    if (fixed && typeof fixed.value === 'number' && fixed.value > 1 && (fixed.value > HIGH_STATIC || scaled || (e && fp16))) {
      // a static scale acts on the gradients of an update: a NaN in the first forward pass came before any
      const cleared = !!e && !scaled && atFirstStep(e);
      const evidenceNow = evidence || (e ? `; ${shows(e)}` : '');
      out.push({
        file: fixed.at.file,
        range: fixed.at.range,
        severity: scaled ? 'error' : cleared ? 'information' : 'warning',
        code: 'loss-scale',
        message: cleared
          ? `a static loss scale of ${fixed.at.text} never backs off, but ${shows(e!)}, the first forward pass, before any scaled gradient: it is not the cause (cleared)`
          : `a static loss scale of ${fixed.at.text} never adapts to the fp16 gradients: steps that overflow at this scale keep overflowing and small gradients underflow to 0, where a dynamic scale backs off and grows back${evidenceNow}`,
        related: related.length || !e ? related : [relatedIncident(e)],
        fixes: [fix('Use a dynamic loss scale', replaceValue(fixed.at, /^["']/.test(fixed.at.text) ? quote(fixed.at.text, 'dynamic') : fixed.at.source === 'json' && fixed.at.key === 'loss_scale' ? '0' : "'dynamic'"))],
        verified: false,
        change: { loss_scale: 'dynamic' },
      });
    }
    const floor = ctx.hp.min_loss_scale;
    if (e && e.incident.kind === 'overflow' && floor) {
      out.push({
        file: floor.at.file,
        range: floor.at.range,
        severity: 'warning',
        code: 'loss-scale',
        message: `the loss scale fell to its floor (${floor.at.key} ${floor.at.text}) and kept overflowing: ${shows(e)}; lowering the floor only hides values that no longer fit fp16, bf16 is the fix`,
        related,
        fixes: floor.value >= 1 ? [] : [fix('Raise the floor to 1', replaceValue(floor.at, formatLike(floor.at.text, 1)))],
        verified: false,
      });
    }
    return out;
  },
};

function quote(original: string, s: string): string {
  return `${original.trim()[0]}${s}${original.trim()[0]}`;
}
