// Non-finite at the first forward pass, before any update: the hyperparameters had no chance yet.
import type { LocatedValue, NanDiagnostic } from '../types';
import { atFirstStep, firstEvidence, logRef, relatedIncident, whatWentNonFinite } from './helpers/evidence';
import { lineRange } from './helpers/edits';
import type { Rule, RuleContext } from './types';

const DATA_KEY = /^(data|dataset|train_data|train_file|train_files|data_path|data_root|data_dir|dataset_name|meta_paths|train_data_dir|data_files|ann_file)$/;

/** Where the training data is configured, to put the diagnostic next to it. */
function dataSetting(ctx: RuleContext): LocatedValue | undefined {
  for (const f of ctx.files) {
    if (f.language === 'python') continue;
    const v = f.values.find((x) => x.keyPath.split('.').some((seg) => DATA_KEY.test(seg.replace(/\[\d+\]$/, ''))) && !/val|test|eval/i.test(x.keyPath));
    if (v) return v;
  }
  return undefined;
}

export const data: Rule = {
  code: 'data',
  check(ctx) {
    const e = firstEvidence(ctx.runs);
    if (!e || !atFirstStep(e) || e.incident.kind !== 'metric') return [];
    const at = dataSetting(ctx);
    const message =
      `${logRef(e)} shows ${whatWentNonFinite(e)}, the first forward pass, before any optimizer update: ` +
      'no learning rate, warmup, epsilon or clipping setting can have caused it yet; check the input batch for NaN/Inf ' +
      '(corrupt samples, division by zero in normalization, empty masks), the loss on that batch, and the initial weights';
    const d: NanDiagnostic = {
      file: at?.file ?? e.run.log,
      range: at?.range ?? lineRange(e.incident.line),
      // on the output of a notebook's cell when the notebook is the log
      ...(at === undefined && e.incident.cell !== undefined ? { cell: e.incident.cell } : {}),
      severity: 'warning',
      code: 'data',
      message,
      related: [relatedIncident(e)],
      fixes: [],
      verified: false,
    };
    return [d];
  },
};
