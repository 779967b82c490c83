// The whole analysis: runs + located files → diagnostics on the lines behind the first non-finite value.
import { createReadStream } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import type { DiagnoseResult, FileError, LocatedFile, NanDiagnostic, RunScan } from './types';
import { rules } from './rules/index';
import { isSuspect } from './rules/helpers/suspects';
import { activeFacts, readHyperparameters } from './hyperparameters/read';
import type { RuleContext } from './rules/types';
import { discover } from './discovery';
import { ScanError, scanFile } from './output/scan';
import { locateFile } from './config/index';
import { launchedProcesses, runSettings } from './run-settings';
import { placeInCells } from './notebook-places';

const SEVERITY_ORDER = { error: 0, warning: 1, information: 2, hint: 3 } as const;

/** Pure: the language server calls it with in-memory documents. Files with an error are skipped. */
export function analyze(runs: RunScan[], files: LocatedFile[]): NanDiagnostic[] {
  const usable = files.filter((f) => !f.error);
  const ctx: RuleContext = { runs, files: usable, hp: readHyperparameters(usable), facts: activeFacts(usable) };
  const found = saferNetsLast(rules.flatMap((rule) => rule.check(ctx)));
  // most severe first; within a severity, the rules' order (most specific evidence first)
  const sorted = found.map((d, i) => ({ d, i })).sort((a, b) => SEVERITY_ORDER[a.d.severity] - SEVERITY_ORDER[b.d.severity] || a.i - b.i).map((x) => x.d);
  return placeInCells(sorted, runs, usable);
}

/**
 * Missing safety nets (no gradient clipping, no warmup) and usual suspects (fp16 with nothing pointing at its range)
 * are a warning only while nothing explains the NaN better: once a rule pins it with an error (a loss-code hazard,
 * fp16 weights, an lr set for another batch), they are information.
 */
function saferNetsLast(found: NanDiagnostic[]): NanDiagnostic[] {
  const safetyNet = (d: NanDiagnostic) => d.code === 'gradient-clipping' || d.code === 'warmup';
  const explained = found.some((d) => d.severity === 'error' && d.code !== 'first-nonfinite' && !safetyNet(d) && !isSuspect(d));
  if (!explained) return found;
  return found.map((d) => {
    if (d.severity !== 'warning') return d;
    if (safetyNet(d)) return { ...d, severity: 'information', message: `${d.message} (a safety net; another finding explains this NaN better)` };
    if (isSuspect(d)) return { ...d, severity: 'information', message: `${d.message} (a usual suspect; another finding explains this NaN better)` };
    return d;
  });
}

export interface DiagnoseOptions {
  /** The workspace: discovery looks here, and every reported path is relative to it. */
  root: string;
  /** Logs to use instead of discovering them (relative to root, or absolute). */
  logs?: string[];
  /** Configs and scripts to use in addition to the ones discovery finds. */
  configs?: string[];
  signal?: AbortSignal;
}

const toPosix = (p: string): string => p.split(sep).join('/');

/** Discover → scan logs → locate configs and scripts → analyze. A bad file is an `errors` entry; the rest are still diagnosed. */
export async function diagnose(opts: DiagnoseOptions): Promise<DiagnoseResult> {
  return (await diagnoseWithFiles(opts)).result;
}

/** As diagnose, with the located configs and scripts, so the probe reads the same files without discovering them again. */
export async function diagnoseWithFiles(opts: DiagnoseOptions): Promise<{ result: DiagnoseResult; files: LocatedFile[] }> {
  const root = resolve(opts.root);
  const { abs, display } = pathsIn(root);
  const errors: FileError[] = [];
  const named = { logs: opts.logs ?? [], configs: opts.configs ?? [] };

  const logPaths = named.logs.length ? named.logs : (await discover(root, { logs: [], configs: named.configs, runs: [] })).logs;
  const runs: RunScan[] = [];
  for (const log of unique(logPaths.map(display))) {
    opts.signal?.throwIfAborted();
    try {
      runs.push(await scanFile(abs(log), { displayName: log, signal: opts.signal }));
    } catch (e) {
      if (!(e instanceof ScanError)) throw e;
      errors.push({ file: log, message: e.reason });
    }
  }

  const located = await locateRunFiles({ root, runs, configs: named.configs, signal: opts.signal });
  errors.push(...located.errors);
  const diagnostics = await fitLogLines(diagnoseRuns(runs, located.files), root);
  const result: DiagnoseResult = { version: 1, runs, diagnostics, probe: null };
  if (errors.length) result.errors = errors;
  return { result, files: located.files.filter((f) => !f.error) };
}

export interface LocateRunOptions {
  root: string;
  runs: RunScan[];
  /** The runs' log files (relative to root or absolute); default: the runs' own log names. */
  logs?: string[];
  /** Configs and scripts named by the user, read besides the ones discovery finds. */
  configs?: string[];
  /** Scripts known to be the runs' own (a notebook whose cell printed the run). */
  scripts?: string[];
  /** Reads one file (the editor's open text first, say); default: the file on disk. */
  locate?: (abs: string, display: string) => Promise<LocatedFile>;
  /** Finds the configs and scripts; the editor keeps its answer while nothing changes. */
  discover?: typeof discover;
  signal?: AbortSignal;
}

/**
 * The step every caller shares (the CLI, the language server, the probe): discover the configs and scripts the runs
 * used, locate their values and facts, and add each run's own settings (its command line, the processes and batch
 * sizes its log reports). Unreadable files come back with their `error` and as `errors`; the rest are still read.
 */
export async function locateRunFiles(o: LocateRunOptions): Promise<{ files: LocatedFile[]; errors: FileError[]; notes: string[] }> {
  const root = resolve(o.root);
  const { abs, display } = pathsIn(root);
  const read = o.locate ?? ((path: string, name: string) => locateFile(path, name));
  const found = await (o.discover ?? discover)(root, { logs: o.logs ?? o.runs.map((r) => r.log), configs: o.configs ?? [], runs: o.runs, scripts: o.scripts ?? [] });
  const errors: FileError[] = [];
  const files: LocatedFile[] = [];
  for (const p of unique([...(o.configs ?? []), ...found.configs, ...found.scripts].map(display))) {
    o.signal?.throwIfAborted();
    let located: LocatedFile;
    try {
      located = await read(abs(p), p);
    } catch (e) {
      // A locator bug or an unreadable file must not stop the other files' diagnostics.
      located = { file: p, language: 'unknown', values: [], facts: [], error: (e as Error).message };
    }
    if (located.error) errors.push({ file: p, message: located.error.startsWith(`${p}: `) ? located.error.slice(p.length + 2) : located.error });
    else {
      // a copy: the editor's locator may hand out the file it keeps
      const launched = await launchedProcesses(located, abs(p), root);
      if (launched.length) located = { ...located, values: [...located.values, ...launched] };
    }
    files.push(located);
  }
  for (const run of o.runs) files.push(await runSettings(run, abs(run.log), root));
  return { files, errors, notes: found.notes };
}

/** The diagnostics of runs from their located files, as every caller shows them (a fix never edits a log). */
export function diagnoseRuns(runs: RunScan[], files: LocatedFile[]): NanDiagnostic[] {
  const logs = new Set(runs.map((r) => r.log));
  return analyze(runs, files).map((d) => withoutLogEdits(d, logs));
}

function pathsIn(root: string): { abs: (p: string) => string; display: (p: string) => string } {
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(root, p));
  const display = (p: string) => {
    const r = relative(root, abs(p));
    return r.startsWith('..') || isAbsolute(r) ? abs(p) : toPosix(r);
  };
  return { abs, display };
}

/** A log is evidence, not something to edit: fixes that would edit a log are dropped (the diagnostic and its change stay). */
function withoutLogEdits(d: NanDiagnostic, logs: Set<string>): NanDiagnostic {
  // An edit in a notebook cell edits the notebook's code, not its outputs.
  const fixes = d.fixes.filter((f) => !f.edits.some((e) => e.cell === undefined && logs.has(e.file ?? d.file)));
  return fixes.length === d.fixes.length ? d : { ...d, fixes };
}

function unique<T>(items: T[]): T[] {
  return [...new Set(items)];
}

/** Log-line diagnostics cover the whole line: end them at the line's last character, not the next line. */
async function fitLogLines(diagnostics: NanDiagnostic[], root: string): Promise<NanDiagnostic[]> {
  const wanted = new Map<string, Set<number>>();
  for (const d of diagnostics) if (spansWholeLine(d)) (wanted.get(d.file) ?? wanted.set(d.file, new Set()).get(d.file)!).add(d.range.start.line);
  const lengths = new Map<string, Map<number, number>>();
  for (const [file, lines] of wanted) lengths.set(file, await lineLengths(isAbsolute(file) ? file : resolve(root, file), lines));
  return diagnostics.map((d) => {
    const len = spansWholeLine(d) ? lengths.get(d.file)?.get(d.range.start.line) : undefined;
    return len === undefined ? d : { ...d, range: { start: d.range.start, end: { line: d.range.start.line, character: len } } };
  });
}

function spansWholeLine(d: NanDiagnostic): boolean {
  if (d.cell !== undefined) return false; // lines of a cell's outputs, not of the .ipynb file
  const { start, end } = d.range;
  return start.character === 0 && end.character === 0 && end.line === start.line + 1;
}

/** The length of some 0-based lines (newline-terminated, as `grep -n` counts; `\r` redraws stay on their line; a CRLF's `\r` is not text). */
async function lineLengths(path: string, lines: Set<number>): Promise<Map<number, number>> {
  const out = new Map<number, number>();
  const last = Math.max(...lines);
  let n = 0;
  let length = 0;
  // whether the text so far on this line ends with `\r` (a chunk may end between `\r` and `\n`)
  let endsWithCR = false;
  const textLength = () => length - (endsWithCR ? 1 : 0);
  try {
    for await (const chunk of createReadStream(path, { encoding: 'utf8' })) {
      for (const part of (chunk as string).split('\n').map((t, i, all) => ({ text: t, ends: i < all.length - 1 }))) {
        length += part.text.length;
        if (part.text.length) endsWithCR = part.text.endsWith('\r');
        if (!part.ends) continue;
        if (lines.has(n)) out.set(n, textLength());
        length = 0;
        endsWithCR = false;
        if (++n > last) return out;
      }
    }
    if (lines.has(n)) out.set(n, textLength());
  } catch {
    // the log went away since it was scanned: keep the whole-line range
  }
  return out;
}
