// Loss weightings that divide by zero: min-SNR weighting with zero terminal SNR and epsilon prediction.
import type { NanDiagnostic } from '../types';
import { firstEvidence, relatedIncident, shows } from './helpers/evidence';
import type { Rule } from './types';

export const lossFunction: Rule = {
  code: 'loss-function',
  check(ctx) {
    const gamma = ctx.hp.snr_gamma;
    const zero = ctx.hp.zero_terminal_snr;
    const prediction = ctx.hp.prediction_type;
    // v-prediction weights by snr + 1; epsilon prediction divides by snr, which is 0 at the last timestep
    if (!gamma || gamma.value <= 0 || !zero?.value || prediction?.value !== 'epsilon') return [];
    const e = firstEvidence(ctx.runs);
    const related: NanDiagnostic['related'] = e ? [relatedIncident(e)] : [];
    return [
      {
        file: gamma.at.file,
        range: gamma.at.range,
        severity: e ? 'error' : 'warning',
        code: 'loss-function',
        message:
          `min-SNR loss weighting (${gamma.at.key} ${gamma.at.text}) divides by the SNR, which is 0 at the last timestep with zero terminal SNR ` +
          `(${zero.at.key}: ${zero.at.text}) and ${prediction.at.key} "epsilon": 0/0 is NaN whenever that timestep is sampled${e ? `; ${shows(e)}` : ''}`,
        related,
        fixes: [],
        verified: false,
        change: { prediction_type: 'v_prediction' },
      },
    ];
  },
};
