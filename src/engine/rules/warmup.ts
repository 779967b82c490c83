// No (or a one-step) warmup while Adam's first updates, with an uncalibrated second moment, are large.
import type { NanDiagnostic } from '../types';
import { atFirstStep, firstEvidence, firstPassClears, relatedIncident, shows } from './helpers/evidence';
import { fix, formatLike, replaceValue } from './helpers/edits';
import { effectiveLearningRate } from './helpers/effective-lr';
import type { Rule } from './types';

const EARLY = 1000; // steps: an incident this early is where warmup matters
const NEEDS_WARMUP = 1e-4; // Adam lrs from here up usually warm up
const SUGGESTED = 500;

export const warmup: Rule = {
  code: 'warmup',
  check(ctx) {
    const e = firstEvidence(ctx.runs);
    const eff = effectiveLearningRate(ctx);
    const steps = ctx.hp.warmup_steps;
    const ratio = ctx.hp.warmup_ratio;
    if (!eff || (ratio && ratio.value > 0)) return [];
    const short = !steps || steps.value <= 1;
    if (!short || !steps) return []; // a warmup is set, or nowhere to put a diagnostic
    const early = e && e.incident.step !== null && e.incident.step <= EARLY;
    // warmup scales the updates; a NaN in the first forward pass came before any
    const cleared = !!e && atFirstStep(e);
    const related: NanDiagnostic['related'] = e ? [relatedIncident(e)] : [];
    if (eff.lr < NEEDS_WARMUP) {
      if (!early) return [];
      return [
        {
          file: steps.at.file,
          range: steps.at.range,
          severity: 'information',
          code: 'warmup',
          message: `${steps.at.key}: ${steps.at.text} is almost no warmup, but the learning rate (${formatLike('1e-3', eff.lr)}) is low enough not to need one (cleared)`,
          related,
          fixes: [],
          verified: false,
        },
      ];
    }
    return [
      {
        file: steps.at.file,
        range: steps.at.range,
        severity: cleared ? 'information' : early ? 'error' : 'warning',
        code: 'warmup',
        message:
          `${steps.at.key}: ${steps.at.text} gives the full learning rate ${formatLike('1e-3', eff.lr)} from the first steps, when Adam's second-moment estimate is not calibrated yet` +
          (cleared ? `, but ${firstPassClears(e!, 'the warmup')}` : early ? `; ${shows(e!)}` : ''),
        related,
        fixes: [fix(`Warm up over ${SUGGESTED} steps`, replaceValue(steps.at, formatLike(steps.at.text, SUGGESTED)))],
        verified: false,
        change: { warmup_steps: SUGGESTED },
      },
    ];
  },
};
