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
  `${d.file}${d.cell === undefined ? '' : `#cell${d.cell}`}|${d.code}|${d.range.start.line}:${d.range.start.character}-${d.range.end.line}:${d.range.end.character}`;

/**
 * Where a file (and, in a notebook, a cell) is shown: its document, and for a run's own output (a notebook cell's
 * outputs) the source line that stands for it; null when it is no document (a terminal command's output).
 */
export type Place = (file: string, cell?: number) => { uri: string; line?: number } | null;

/** Every name is a file in the folder (the CLI's view, and runs that are all logs). */
export const filePlace = (root: string): Place => (file) => ({ uri: uriOf(root, file) });

const wholeLine = (line: number) => ({ start: { line, character: 0 }, end: { line: line + 1, character: 0 } });

export function toLspDiagnostic(d: NanDiagnostic, root: string, place: Place = filePlace(root)): Diagnostic {
  const related: DiagnosticRelatedInformation[] = [];
  const notes: string[] = [];
  for (const r of d.related) {
    const at = place(r.file, r.cell);
    if (at) {
      const line = at.line ?? Math.max(0, r.line - 1);
      related.push({ location: { uri: at.uri, range: { start: { line, character: 0 }, end: { line, character: 0 } } }, message: at.line === undefined ? r.message : `${r.message} (output line ${r.line})` });
    } else notes.push(`${r.message} (${r.file}${r.line ? `, output line ${r.line}` : ''})`);
  }
  const verified = d.verified ? ' [verified by the probe]' : '';
  const own = place(d.file, d.cell)?.line;
  return {
    range: own === undefined ? d.range : wholeLine(own),
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
export function toCodeActions(d: NanDiagnostic, lsp: Diagnostic, root: string, versionOf?: (abs: string) => number | null, place: Place = filePlace(root)): CodeAction[] {
  return d.fixes.map((fix, i) => {
    // By document: a notebook cell's edits go to the cell, without a version (the server does not track cell versions).
    const byDoc = new Map<string, { version: number | null; edits: TextEdit[] }>();
    for (const e of fix.edits) {
      const file = e.file ?? d.file;
      const uri = place(file, e.cell)?.uri ?? uriOf(root, file);
      const version = e.cell === undefined && versionOf ? versionOf(absoluteOf(root, file)) : null;
      const doc = byDoc.get(uri) ?? byDoc.set(uri, { version, edits: [] }).get(uri)!;
      doc.edits.push({ range: e.range, newText: e.newText });
    }
    const action: CodeAction = { title: fix.title, kind: CodeActionKind.QuickFix, diagnostics: [lsp], isPreferred: i === 0 };
    if (versionOf) {
      const documentChanges: TextDocumentEdit[] = [...byDoc].map(([uri, doc]) => ({ textDocument: { uri, version: doc.version }, edits: doc.edits }));
      action.edit = { documentChanges };
    } else action.edit = { changes: Object.fromEntries([...byDoc].map(([uri, doc]) => [uri, doc.edits])) };
    return action;
  });
}
