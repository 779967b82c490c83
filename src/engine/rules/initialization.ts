// A weight-initialization scale large enough to overflow activations in the first forward pass.
import type { NanDiagnostic } from '../types';
import { atFirstStep, firstEvidence, relatedIncident, shows } from './helpers/evidence';
import { fix, formatLike, replaceValue } from './helpers/edits';
import type { Rule } from './types';

const LARGE_STD = 0.2; // transformer inits use ~0.02; ten times that compounds over depth

export const initialization: Rule = {
  code: 'initialization',
  check(ctx) {
    const init = ctx.hp.initializer_range;
    if (!init || init.value <= LARGE_STD) return [];
    const e = firstEvidence(ctx.runs);
    const first = !!e && atFirstStep(e);
    const related: NanDiagnostic['related'] = e ? [relatedIncident(e)] : [];
    return [
      {
        file: init.at.file,
        range: init.at.range,
        severity: first ? 'error' : 'warning',
        code: 'initialization',
        message: `${init.at.key} ${init.at.text} initializes weights with a large standard deviation (usual: 0.02); activations grow with depth${first ? `, and ${shows(e!)}, in the first forward pass` : ''}`,
        related,
        fixes: [fix('Initialize with std 0.02', replaceValue(init.at, formatLike(init.at.text, 0.02)))],
        verified: false,
        change: { initializer_range: 0.02 },
      },
    ];
  },
};
