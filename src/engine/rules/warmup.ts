// No (or a one-step) warmup while Adam's first updates, with an uncalibrated second moment, are large.
import type { NanDiagnostic } from '../types';
import { atFirstStep, baseName, firstEvidence, firstPassClears, relatedIncident, shows } from './helpers/evidence';
import { fix, formatLike, replaceValue } from './helpers/edits';
import { effectiveLearningRate } from './helpers/effective-lr';
import { unreadOption } from '../hyperparameters/unread';
import type { Rule, RuleContext, Setting } from './types';

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
    const declared = ctx.hp.all.warmup_steps?.find((s) => typeof s.value === 'number' && s.value > 1 && unreadOption(s, ctx.files)) as Setting<number> | undefined;
    if (!steps && declared) return unreadWarmup(ctx, declared, eff.lr);
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

/** A warmup length the script declares and never reads: the run takes the full learning rate from its first step. */
function unreadWarmup(ctx: RuleContext, steps: Setting<number>, lr: number): NanDiagnostic[] {
  const e = firstEvidence(ctx.runs);
  const optimizer = ctx.facts.find((f) => f.kind === 'optimizer');
  const early = !!e && e.incident.step !== null && e.incident.step <= EARLY && !atFirstStep(e);
  if (lr < NEEDS_WARMUP || (e && !early)) return [];
  const related: NanDiagnostic['related'] = [];
  if (e) related.push(relatedIncident(e));
  if (optimizer) related.push({ file: optimizer.file, line: optimizer.range.start.line + 1, message: 'the optimizer, which no warmup schedule wraps' });
  // where the fix goes: right after the optimizer is built, a schedule that ramps its learning rate up
  const atOptimizer: NanDiagnostic[] = optimizer
    ? [
        {
          file: optimizer.file,
          range: optimizer.range,
          severity: 'warning',
          code: 'warmup',
          message: `this optimizer runs at the full learning rate ${formatLike('1e-3', lr)} from its first step: no warmup schedule wraps it, though ${steps.at.option} ${steps.at.text} is declared (${baseName(steps.at.file)}:${steps.at.range.start.line + 1})${e ? `; ${shows(e)}` : ''}`,
          related: e ? [relatedIncident(e)] : [],
          fixes: [],
          verified: false,
        },
      ]
    : [];
  return [
    ...atOptimizer,
    {
      file: steps.at.file,
      range: steps.at.keyRange ?? steps.at.range,
      severity: e ? 'error' : 'warning',
      code: 'warmup',
      message:
        `${steps.at.option} ${steps.at.text} is declared but nothing in the run reads it: there is no warmup, and the optimizer takes the full learning rate ` +
        `${formatLike('1e-3', lr)} from the first step, when Adam's second-moment estimate is not calibrated yet${e ? `; ${shows(e)}` : ''}. Wrap the optimizer in a warmup schedule that uses it (a LambdaLR ramp over ${steps.at.text} steps)`,
      related,
      fixes: [],
      verified: false,
      change: { warmup_steps: steps.value },
    },
  ];
}
