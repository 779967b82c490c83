// The whole analysis: runs + located files → diagnostics on the lines behind the first non-finite value.
import { createReadStream } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import type { DiagnoseResult, FileError, LocatedFile, NanDiagnostic, RunScan } from './types';
import { rules } from './rules/index';
import { activeFacts, readHyperparameters } from './rules/hyperparameters';
import type { RuleContext } from './rules/types';
import { discover } from './discovery';
import { ScanError, scanFile } from './output/scan';
import { locateFile } from './config/index';
import { runSettings } from './run-settings';
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
 * Missing safety nets (no gradient clipping, no warmup) are a warning only while nothing explains the NaN better:
 * once a rule pins it with an error (a loss-code hazard, fp16 weights, an lr set for another batch), they are information.
 */
function saferNetsLast(found: NanDiagnostic[]): NanDiagnostic[] {
  const explained = found.some((d) => d.severity === 'error' && d.code !== 'first-nonfinite' && d.code !== 'gradient-clipping' && d.code !== 'warmup');
  if (!explained) return found;
  return found.map((d) =>
    (d.code === 'gradient-clipping' || d.code === 'warmup') && d.severity === 'warning'
      ? { ...d, severity: 'information', message: `${d.message} (a safety net; another finding explains this NaN better)` }
      : d,
  );
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
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(root, p));
  const display = (p: string) => {
    const r = relative(root, abs(p));
    return r.startsWith('..') || isAbsolute(r) ? abs(p) : toPosix(r);
  };
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

  const found = await discover(root, { logs: runs.map((r) => r.log), configs: named.configs, runs });
  const paths = unique([...named.configs, ...found.configs, ...found.scripts].map(display));
  const files: LocatedFile[] = [];
  for (const p of paths) {
    opts.signal?.throwIfAborted();
    const located = await locateFile(abs(p), p);
    if (located.error) errors.push({ file: p, message: located.error.startsWith(`${p}: `) ? located.error.slice(p.length + 2) : located.error });
    files.push(located);
  }

  // the log's own settings (command-line flags, reported processes and batch sizes) override the config
  for (const run of runs) files.push(await runSettings(run, abs(run.log), root));

  const logs = new Set(runs.map((r) => r.log));
  const diagnostics = (await fitLogLines(analyze(runs, files), root)).map((d) => withoutLogEdits(d, logs));
  const result: DiagnoseResult = { version: 1, runs, diagnostics, probe: null };
  if (errors.length) result.errors = errors;
  return { result, files: files.filter((f) => !f.error) };
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
