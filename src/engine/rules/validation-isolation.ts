// Validation that works on the live training modules without a copy (the seed's PR #133): what validation does
// to them (a pipeline's casts, eval mode, attention hooks) carries over into the next training step.
import type { NanDiagnostic, Range, ScriptFact, TextEdit } from '../types';
import { baseName, eventBefore, firstEvidence, relatedEvent, relatedIncident, shows, type Evidence } from './helpers/evidence';
import { fix } from './helpers/edits';
import type { Rule } from './types';

interface Use {
  how: 'pipeline' | 'cast' | 'eval' | 'hooks';
  text: string;
  range: Range;
  inFunction: string | null;
}

const HOW: Record<Use['how'], string> = {
  pipeline: 'hands them to a pipeline',
  cast: 'casts them in place',
  eval: 'switches them to eval mode',
  hooks: 'installs hooks on them',
};

const where = (file: string, r: Range) => `${baseName(file)}:${r.start.line + 1}`;

/** `copy.deepcopy(<take>)`, with `import copy` before the file's first import when it has none. */
function deepCopyEdits(fact: ScriptFact): (TextEdit & { file: string })[] {
  const name = typeof fact.detail?.copyName === 'string' ? fact.detail.copyName : 'copy.deepcopy';
  const edits: (TextEdit & { file: string })[] = [
    { file: fact.file, range: { start: fact.range.start, end: fact.range.start }, newText: `${name}(` },
    { file: fact.file, range: { start: fact.range.end, end: fact.range.end }, newText: ')' },
  ];
  if (!fact.detail?.copyName) {
    const line = typeof fact.detail?.importLine === 'number' ? fact.detail.importLine : 0;
    edits.unshift({ file: fact.file, range: { start: { line, character: 0 }, end: { line, character: 0 } }, newText: 'import copy\n' });
  }
  return edits;
}

function diagnose(fact: ScriptFact, e: Evidence | undefined): NanDiagnostic[] {
  const context = String(fact.detail?.context ?? 'validation');
  const uses = (fact.detail?.uses as Use[] | undefined) ?? [];
  const ran = e ? eventBefore(e, ['validation', 'evaluation']) : undefined;
  // The NaN right after a validation run is the evidence that it changed what training goes on with.
  const severity = ran ? 'error' : 'warning';
  const what = [...new Set(uses.map((u) => HOW[u.how]))].join(', ');
  const first = uses[0];
  const evidence = e && ran ? `; ${baseName(e.run.log)}:${ran.line} shows ${ran.event} and ${shows(e)}, right after it` : e ? `; ${shows(e)}` : '';
  const related: NanDiagnostic['related'] = [];
  if (e && ran) related.push(relatedEvent(e, ran));
  if (e) related.push(relatedIncident(e));
  for (const u of uses) related.push({ file: fact.file, line: u.range.start.line + 1, message: `${u.inFunction ? `in ${u.inFunction}: ` : ''}${HOW[u.how]}: ${u.text}` });
  const copy = fix('Give validation a copy (copy.deepcopy)', ...deepCopyEdits(fact));
  const out: NanDiagnostic[] = [
    {
      file: fact.file,
      range: fact.range,
      severity,
      code: 'validation-isolation',
      message:
        `${context} takes the modules being trained (\`${fact.text}\`) and ${what}${first ? ` (${where(fact.file, first.range)})` : ''} without a copy: ` +
        `whatever validation does to them carries over into training${evidence}`,
      related,
      fixes: [copy],
      verified: false,
    },
  ];
  // A cast in place is where the trainable weights change dtype: flag that line too, with the same fix.
  for (const u of uses.filter((x) => x.how === 'cast')) {
    out.push({
      file: fact.file,
      range: u.range,
      severity,
      code: 'validation-isolation',
      message: `${u.inFunction ?? context} casts the live training modules in place (\`${u.text}\`): from here on training updates them in that dtype, because validation got them from \`${fact.text}\` (${where(fact.file, fact.range)}) without a copy${evidence}`,
      related: [{ file: fact.file, line: fact.range.start.line + 1, message: `where validation takes the training modules: ${fact.text}` }, ...related.filter((r) => r.file !== fact.file)],
      fixes: [copy],
      verified: false,
    });
  }
  return out;
}

export const validationIsolation: Rule = {
  code: 'validation-isolation',
  check(ctx) {
    const e = firstEvidence(ctx.runs);
    const out = ctx.facts.filter((f) => f.kind === 'shared-modules').flatMap((f) => diagnose(f, e));
    // Two modules taken in one place reach the same cast: one diagnostic per line.
    const seen = new Set<string>();
    return out.filter((d) => !seen.has(`${d.file}:${d.range.start.line}`) && seen.add(`${d.file}:${d.range.start.line}`));
  },
};
