// Runs the analysis for one workspace folder: which configs and scripts the runs used (discover),
// what they say (locate: open documents' text first, the file on disk otherwise), and the diagnostics.
import { readFileSync, statSync } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { discover } from '../engine/discovery.ts';
import { locate, locateFile } from '../engine/config/index.ts';
import { analyze } from '../engine/diagnose.ts';
import { runSettings } from '../engine/run-settings.ts';
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
  private discovered: { key: string; paths: string[]; notes: string[] } | null = null;

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
    const { files, notes, versions } = await this.files(runs, logPaths, scripts);
    const errors = files.filter((f) => f.error).map((f) => `${f.file}: ${f.error}`);
    // The run's own settings (its command line, the processes and batch sizes its log reports), as the CLI reads them.
    const logs = new Map(logPaths.map((abs) => [this.display(abs), abs]));
    const own = await Promise.all(withIncident.map((r) => runSettings(r, logs.get(r.log) ?? this.absolute(r.log), this.root)));
    return { diagnostics: analyze(withIncident, [...files, ...own]), files, notes, errors, versions };
  }

  /** The configs and scripts the runs used, located (whether or not a run has an incident). */
  async files(runs: RunScan[], logPaths: string[], scripts: string[] = []): Promise<{ files: LocatedFile[]; notes: string[]; versions: Map<string, number> }> {
    const { paths, notes } = await this.discover(runs, logPaths, scripts);
    const read = await Promise.all(paths.map((p) => this.locate(p)));
    const versions = new Map<string, number>();
    read.forEach((r, i) => r.version !== null && versions.set(paths[i], r.version));
    return { files: read.map((r) => r.file), notes, versions };
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

  private async discover(runs: RunScan[], logPaths: string[], scripts: string[]): Promise<{ paths: string[]; notes: string[] }> {
    const key = JSON.stringify([runs.map((r) => [r.log, r.command ?? null]), scripts]);
    if (this.discovered?.key !== key) {
      const found = await discover(this.root, { logs: logPaths, configs: [], runs, scripts });
      const paths = [...found.configs, ...found.scripts].map((p) => this.absolute(p));
      this.discovered = { key, paths: [...new Set(paths)], notes: [...found.notes] };
    }
    return { paths: this.discovered.paths, notes: [...this.discovered.notes] };
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
    let file: LocatedFile;
    try {
      file = open ? await locate(name, open.text) : await locateFile(abs, name);
    } catch (e) {
      // A locator bug or an unreadable file must not stop the other files' diagnostics.
      file = { file: name, language: 'unknown', values: [], facts: [], error: (e as Error).message };
    }
    const entry = { stamp, file, version: open ? open.version : null };
    this.located.set(abs, entry);
    return entry;
  }
}
