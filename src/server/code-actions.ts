// `textDocument/codeAction`: the quick fixes of the published diagnostics the editor asks about.
import type { CodeAction, CodeActionParams, Range } from 'vscode-languageserver/node';
import { toCodeActions, type DiagnosticData } from './convert.ts';
import type { Published } from './publisher.ts';

const before = (a: Range['start'], b: Range['start']) => a.line < b.line || (a.line === b.line && a.character < b.character);
const overlaps = (a: Range, b: Range) => !before(a.end, b.start) && !before(b.end, a.start);

/** Diagnostics named in the request's context (by the key they carry) or, without any, those under the range. */
export function codeActions(p: CodeActionParams, published: Published[]): CodeAction[] {
  const asked = new Set(p.context.diagnostics.map((d) => (d.data as DiagnosticData | undefined)?.key).filter(Boolean));
  const out: CodeAction[] = [];
  for (const pub of published) {
    const wanted = asked.size > 0 ? asked.has((pub.lsp.data as DiagnosticData).key) : overlaps(pub.lsp.range, p.range);
    if (wanted) out.push(...toCodeActions(pub.nan, pub.lsp, pub.root));
  }
  return out;
}
