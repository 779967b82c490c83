// Runs the analysis for one workspace folder: which configs and scripts the runs used (discover),
// what they say (locate: open documents' text first, the file on disk otherwise), and the diagnostics.
import { readFileSync, statSync } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { discover, type DiscoverOptions, type Discovery } from '../engine/discovery.ts';
import { locate, locateFile } from '../engine/config/index.ts';
import { diagnoseRuns, locateRunFiles } from '../engine/diagnose.ts';
import type { LocatedFile, NanDiagnostic, RunScan } from '../engine/types.ts';

export interface OpenText {
  /** The open document's text and version, if the file is open in the editor. */
  (abs: string): { text: string; version: number } | undefined;
}

export interface FolderResult {
  diagnostics: NanDiagnostic[];
  files: LocatedFile[];
  /** How discovery chose the files (for the debug log). */
  notes: string[];
  /** Files that could not be read or parsed, as `file: reason`. */
  errors: string[];
  /** The editor version read of each open document the analysis used (absolute path); files read from disk are absent. */
  versions: Map<string, number>;
}

const toPosix = (p: string): string => p.split(sep).join('/');

export class FolderAnalysis {
  private readonly located = new Map<string, { stamp: string; file: LocatedFile; version: number | null }>();
  private discovered: { key: string; found: Discovery } | null = null;

  constructor(
    readonly root: string,
    private readonly openText: OpenText,
  ) {}

  /** Display path of an absolute path: workspace-relative when inside the folder. */
  display(abs: string): string {
    const r = relative(this.root, abs);
    return r.startsWith('..') || isAbsolute(r) ? abs : toPosix(r);
  }

  absolute(file: string): string {
    return isAbsolute(file) ? file : resolve(this.root, file);
  }

  /** Forget what discovery found (a file appeared or disappeared, a setting changed). */
  invalidate(): void {
    this.discovered = null;
  }

  /** Whether this folder's analysis read the file (so an edit to it needs a new analysis). */
  reads(abs: string): boolean {
    return this.located.has(abs);
  }

  /** `scripts`: absolute paths of scripts the runs are known to run (a notebook run's own notebook). */
  async run(runs: RunScan[], logPaths: string[], scripts: string[] = []): Promise<FolderResult> {
    const withIncident = runs.filter((r) => r.incident);
    if (withIncident.length === 0) return { diagnostics: [], files: [], notes: [], errors: [], versions: new Map() };
    const { files, notes, errors, versions } = await this.files(withIncident, logPaths, scripts);
    return { diagnostics: diagnoseRuns(withIncident, files), files, notes, errors, versions };
  }

  /** The configs and scripts the runs used, located as the CLI locates them (whether or not a run has an incident). */
  async files(runs: RunScan[], logPaths: string[], scripts: string[] = []): Promise<Omit<FolderResult, 'diagnostics'>> {
    const found = await locateRunFiles({
      root: this.root,
      runs,
      logs: logPaths,
      scripts,
      locate: async (abs) => (await this.locate(abs)).file,
      discover: (root, request) => this.discover(root, request ?? {}),
    });
    const versions = new Map<string, number>();
    for (const f of found.files) {
      const version = this.located.get(this.absolute(f.file))?.version;
      if (version !== undefined && version !== null) versions.set(this.absolute(f.file), version);
    }
    return { files: found.files, notes: found.notes, errors: found.errors.map((e) => `${e.file}: ${e.message}`), versions };
  }

  /** A located file's text (`file` as the analysis displays it): the open document's, else the file on disk. */
  textOf(file: string): string | undefined {
    const abs = this.absolute(file);
    const open = this.openText(abs);
    if (open) return open.text;
    try {
      return readFileSync(abs, 'utf8');
    } catch {
      return undefined;
    }
  }

  /** Discovery walks the folder: its answer is kept while the runs, their commands and the known scripts stay the same. */
  private async discover(root: string, request: DiscoverOptions): Promise<Discovery> {
    const key = JSON.stringify([(request.runs ?? []).map((r) => [r.log, r.command ?? null]), request.scripts ?? []]);
    if (this.discovered?.key !== key) this.discovered = { key, found: await discover(root, request) };
    return { ...this.discovered.found, notes: [...this.discovered.found.notes] };
  }

  private async locate(abs: string): Promise<{ file: LocatedFile; version: number | null }> {
    const open = this.openText(abs);
    let stamp: string;
    if (open) stamp = `open:${open.version}:${open.text.length}`;
    else {
      try {
        const st = statSync(abs);
        stamp = `disk:${st.mtimeMs}:${st.size}`;
      } catch {
        stamp = 'missing';
      }
    }
    const cached = this.located.get(abs);
    if (cached && cached.stamp === stamp) return cached;
    const name = this.display(abs);
    // A locator that throws is caught by locateRunFiles (and nothing is cached, so the next analysis tries again).
    const file = open ? await locate(name, open.text) : await locateFile(abs, name);
    const entry = { stamp, file, version: open ? open.version : null };
    this.located.set(abs, entry);
    return entry;
  }
}
