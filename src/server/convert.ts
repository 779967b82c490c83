// Turns NaN Doctor's diagnostics into LSP diagnostics and code actions.
import { isAbsolute, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  CodeActionKind,
  DiagnosticSeverity,
  type CodeAction,
  type Diagnostic,
  type DiagnosticRelatedInformation,
  type TextDocumentEdit,
  type TextEdit,
} from 'vscode-languageserver/node';
import type { NanDiagnostic, Severity } from '../engine/types.ts';

export const source = 'NaN Doctor';

const severities: Record<Severity, DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  information: DiagnosticSeverity.Information,
  hint: DiagnosticSeverity.Hint,
};

export const absoluteOf = (root: string, file: string): string => (isAbsolute(file) ? file : join(root, file));
export const uriOf = (root: string, file: string): string => pathToFileURL(absoluteOf(root, file)).href;

/** What points a diagnostic back at its NaN Doctor finding (survives the round trip through the client). */
export interface DiagnosticData {
  key: string;
}

export const keyOf = (d: NanDiagnostic): string =>
  `${d.file}|${d.code}|${d.range.start.line}:${d.range.start.character}-${d.range.end.line}:${d.range.end.character}`;

/** `isFile(file)` says whether a run name is a real file (terminal runs are not). */
export function toLspDiagnostic(d: NanDiagnostic, root: string, isFile: (file: string) => boolean): Diagnostic {
  const related: DiagnosticRelatedInformation[] = [];
  const notes: string[] = [];
  for (const r of d.related) {
    if (isFile(r.file)) {
      const line = Math.max(0, r.line - 1);
      related.push({ location: { uri: uriOf(root, r.file), range: { start: { line, character: 0 }, end: { line, character: 0 } } }, message: r.message });
    } else notes.push(`${r.message} (${r.file}${r.line ? `, output line ${r.line}` : ''})`);
  }
  const verified = d.verified ? ' [verified by the probe]' : '';
  return {
    range: d.range,
    severity: severities[d.severity] ?? DiagnosticSeverity.Warning,
    code: d.code,
    source,
    message: d.message + verified + (notes.length ? `\n${notes.join('\n')}` : ''),
    relatedInformation: related.length ? related : undefined,
    data: { key: keyOf(d) } satisfies DiagnosticData,
  };
}

/**
 * The quick fixes of one diagnostic as code actions; the first fix is the preferred one.
 * With `versionOf` (the client takes versioned edits) each file's edits name the document version they were
 * computed for (null: the file on disk), so the editor refuses an edit for text that has changed since.
 */
export function toCodeActions(d: NanDiagnostic, lsp: Diagnostic, root: string, versionOf?: (abs: string) => number | null): CodeAction[] {
  return d.fixes.map((fix, i) => {
    const byFile = new Map<string, TextEdit[]>();
    for (const e of fix.edits) {
      const abs = absoluteOf(root, e.file ?? d.file);
      byFile.set(abs, [...(byFile.get(abs) ?? []), { range: e.range, newText: e.newText }]);
    }
    const action: CodeAction = { title: fix.title, kind: CodeActionKind.QuickFix, diagnostics: [lsp], isPreferred: i === 0 };
    if (versionOf) {
      const documentChanges: TextDocumentEdit[] = [...byFile].map(([abs, edits]) => ({ textDocument: { uri: uriOf(root, abs), version: versionOf(abs) }, edits }));
      action.edit = { documentChanges };
    } else action.edit = { changes: Object.fromEntries([...byFile].map(([abs, edits]) => [uriOf(root, abs), edits])) };
    return action;
  });
}
