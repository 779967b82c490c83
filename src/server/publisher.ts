// Publishes each folder's diagnostics and remembers them for code actions; clears files that no longer have any.
import type { Connection, Diagnostic } from 'vscode-languageserver/node';
import type { NanDiagnostic } from '../engine/types.ts';
import { absoluteOf, filePlace, keyOf, toLspDiagnostic, type Place } from './convert.ts';

export interface Published {
  root: string;
  nan: NanDiagnostic;
  lsp: Diagnostic;
  /** Editor versions of the open documents the analysis read (absolute path); a file read from disk is absent. */
  versions: ReadonlyMap<string, number>;
  /** Where the diagnostic's files and cells are shown (for the quick fixes' edits). */
  place: Place;
}

/** The editor version the diagnostic's own file had when it was computed; null when it was read from disk. */
export const versionOf = (p: Published): number | null => p.versions.get(absoluteOf(p.root, p.nan.file)) ?? null;

export class Publisher {
  private readonly byRoot = new Map<string, Map<string, Published[]>>();
  /** Findings the probe verified, kept across re-analyses of the same run. */
  private readonly verified = new Set<string>();

  constructor(private readonly connection: Connection) {}

  markVerified(ds: NanDiagnostic[]): void {
    for (const d of ds) if (d.verified) this.verified.add(keyOf(d));
  }

  publish(root: string, diagnostics: NanDiagnostic[], place: Place = filePlace(root), versions: ReadonlyMap<string, number> = new Map()): void {
    const next = new Map<string, Published[]>();
    for (const d of diagnostics) {
      const uri = place(d.file, d.cell)?.uri;
      if (!uri) continue; // a terminal run's own line has no document to show it on
      const nan = this.verified.has(keyOf(d)) ? { ...d, verified: true } : d;
      const list = next.get(uri) ?? [];
      list.push({ root, nan, lsp: toLspDiagnostic(nan, root, place), versions, place });
      next.set(uri, list);
    }
    const before = this.byRoot.get(root) ?? new Map<string, Published[]>();
    for (const uri of before.keys()) if (!next.has(uri)) void this.connection.sendDiagnostics({ uri, diagnostics: [] });
    for (const [uri, list] of next) void this.connection.sendDiagnostics({ uri, diagnostics: list.map((p) => p.lsp) });
    this.byRoot.set(root, next);
  }

  clear(root?: string): void {
    for (const r of root ? [root] : [...this.byRoot.keys()]) this.publish(r, []);
  }

  at(uri: string): Published[] {
    const out: Published[] = [];
    for (const m of this.byRoot.values()) out.push(...(m.get(uri) ?? []));
    return out;
  }

  count(root: string): number {
    let n = 0;
    for (const list of this.byRoot.get(root)?.values() ?? []) n += list.length;
    return n;
  }
}
