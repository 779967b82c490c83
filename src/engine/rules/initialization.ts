// A weight-initialization scale large enough to overflow activations in the first forward pass, and parameters
// made from uninitialized memory that their module never fills.
import type { NanDiagnostic, ScriptFact } from '../types';
import { atFirstStep, firstEvidence, relatedIncident, shows } from './helpers/evidence';
import { fix, formatLike, replaceValue } from './helpers/edits';
import type { Rule, RuleContext } from './types';

const LARGE_STD = 0.2; // transformer inits use ~0.02; ten times that compounds over depth

/**
 * `self.weight = Parameter(torch.Tensor(n, d))` with no initializer in its class: a warning when the first forward
 * pass is already non-finite (whatever the allocator left is the weight, unless an outside init fills it),
 * information otherwise.
 */
function uninitialized(ctx: RuleContext): NanDiagnostic[] {
  const e = firstEvidence(ctx.runs);
  const first = !!e && atFirstStep(e);
  return ctx.facts
    .filter((f): f is ScriptFact => f.kind === 'uninitialized-parameter')
    .map((f) => {
      const target = String(f.detail?.target);
      const line = Number(f.detail?.afterLine) + 1;
      const at = { line, character: 0 };
      return {
        file: f.file,
        range: f.range,
        severity: first ? 'warning' : 'information',
        code: 'initialization',
        message:
          `${f.text} in ${String(f.detail?.class)} is uninitialized memory (torch.Tensor(sizes) and torch.empty do not fill it), and ${String(f.detail?.class)} never initializes ${target}: ` +
          `whatever was in that memory (NaN, inf, 1e38) is the weight unless code elsewhere fills it${first ? `; ${shows(e!)}, in the first forward pass` : ''}`,
        related: e ? [relatedIncident(e)] : [],
        fixes: [fix(`Initialize ${target} where it is made`, { file: f.file, range: { start: at, end: at }, newText: `${String(f.detail?.indent)}nn.init.xavier_uniform_(${target})\n` })],
        verified: false,
      };
    });
}

export const initialization: Rule = {
  code: 'initialization',
  check(ctx) {
    const made = uninitialized(ctx);
    const init = ctx.hp.initializer_range;
    if (!init || init.value <= LARGE_STD) return made;
    const e = firstEvidence(ctx.runs);
    const first = !!e && atFirstStep(e);
    const related: NanDiagnostic['related'] = e ? [relatedIncident(e)] : [];
    return [
      ...made,
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
