// The log line where the run first went non-finite, with what happened just before it.
import { otherValues, whereInRun } from '../incident-words';
import type { NanDiagnostic } from '../types';
import { lineRange } from './helpers/edits';
import type { Rule } from './types';

/** What happened just before the first NaN, in words (validation and evaluation say themselves). */
const BEFORE_EVENT: Partial<Record<string, string>> = {
  checkpoint: 'a checkpoint save',
  resume: 'a resume',
  'loss-scale': 'a loss-scale change',
  overflow: 'a loss-scaler overflow',
  'learning-rate': 'a learning-rate change',
  'grad-norm-spike': 'a gradient-norm spike',
};

export const firstNonFinite: Rule = {
  code: 'first-nonfinite',
  check(ctx) {
    const out: NanDiagnostic[] = [];
    for (const run of ctx.runs) {
      const inc = run.incident;
      if (!inc) continue;
      const what =
        inc.kind === 'overflow'
          ? 'the loss scaler kept overflowing and did not recover'
          : inc.kind === 'error'
            ? `the framework raised a non-finite error (${inc.value})`
            : `${inc.metric ?? 'a metric'} is ${inc.value}`;
      const at = whereInRun(inc);
      const where = `${at ? ` ${at}` : ''}${otherValues(inc)}`;
      const rank = inc.rank === null ? '' : ` on rank ${inc.rank}`;
      const before = inc.before.length
        ? `; just before it: ${inc.before.map((b) => `${BEFORE_EVENT[b.event] ?? b.event}${b.step === null ? '' : ` after step ${b.step}`} (line ${b.line})`).join(', ')}`
        : '';
      out.push({
        file: run.log,
        range: lineRange(inc.line),
        severity: 'error',
        code: 'first-nonfinite',
        message: `First non-finite value: ${what}${where}${rank}${before}`,
        related: inc.before.map((b) => ({ file: run.log, line: b.line, message: `${b.event}${b.step === null ? '' : ` after step ${b.step}`}` })),
        fixes: [],
        verified: false,
      });
    }
    return out;
  },
};
