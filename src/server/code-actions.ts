// `textDocument/codeAction`: the quick fixes of the published diagnostics the editor asks about.
import type { CodeAction, CodeActionParams, Range } from 'vscode-languageserver/node';
import { toCodeActions, type DiagnosticData } from './convert.ts';
import { versionOf, type Published } from './publisher.ts';

const before = (a: Range['start'], b: Range['start']) => a.line < b.line || (a.line === b.line && a.character < b.character);
const overlaps = (a: Range, b: Range) => !before(a.end, b.start) && !before(b.end, a.start);
/** `file|code` of a diagnostic key (keys end with the range, which moves when lines are inserted above). */
const finding = (key: string) => key.split('|').slice(0, 2).join('|');

export interface CodeActionOptions {
  /** The version of the asked document open in the editor; null when it is not open. */
  version: number | null;
  /** The client applies versioned `documentChanges`. */
  versionedEdits: boolean;
}

/**
 * Diagnostics named in the request's context (by the key they carry, or by file and code once lines have moved)
 * or, without any, those under the range. Only diagnostics computed for the document's current version answer.
 */
export function codeActions(p: CodeActionParams, published: Published[], o: CodeActionOptions = { version: null, versionedEdits: false }): CodeAction[] {
  const current = o.version === null ? published : published.filter((pub) => versionOf(pub) === o.version);
  const asked = new Set(p.context.diagnostics.map((d) => (d.data as DiagnosticData | undefined)?.key).filter((k): k is string => typeof k === 'string'));
  const keyOfPub = (pub: Published) => (pub.lsp.data as DiagnosticData).key;
  const exact = current.filter((pub) => asked.has(keyOfPub(pub)));
  const found = new Set(exact.map((pub) => finding(keyOfPub(pub))));
  const moved = new Set([...asked].map(finding).filter((f) => !found.has(f)));
  const out: CodeAction[] = [];
  for (const pub of current) {
    const wanted = asked.size > 0 ? asked.has(keyOfPub(pub)) || moved.has(finding(keyOfPub(pub))) : overlaps(pub.lsp.range, p.range);
    if (!wanted) continue;
    const version = (abs: string) => pub.versions.get(abs) ?? null;
    out.push(...toCodeActions(pub.nan, pub.lsp, pub.root, o.versionedEdits ? version : undefined, pub.place));
  }
  return out;
}
