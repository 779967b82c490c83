// Loads the real-world corpora (test/output/corpus: logs; test/config/corpus: projects) and scores a result
// against each case's expected answer. Shared by the corpus tests and scripts/corpus-score.ts.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { DiagnoseResult, NanDiagnostic, RunScan } from '../../src/engine/types';

export const repoRoot = join(__dirname, '..', '..');
export const logCorpus = join(repoRoot, 'test', 'output', 'corpus');
export const projectCorpus = join(repoRoot, 'test', 'config', 'corpus');

export interface ExpectedIncident {
  line: number;
  text: string;
  step: number | null;
  epoch: number | null;
  metric: string | null;
  value: string;
  kind: string;
  nonFinite: string[];
}

export interface LogCase {
  id: string;
  dir: string;
  source: string;
  project: string;
  framework: string;
  log: string;
  trap: boolean;
  expected: ExpectedIncident | null;
  why: string;
}

/** Case directories that have their answer file (a case still being written has none yet). */
function caseDirs(root: string, answer: string): string[] {
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .filter((d) => statSync(join(root, d)).isDirectory() && existsSync(join(root, d, answer)))
    .sort();
}

export function loadLogCases(root = logCorpus): LogCase[] {
  return caseDirs(root, 'case.json').map((id) => {
    const dir = join(root, id);
    return { id, dir, ...(JSON.parse(readFileSync(join(dir, 'case.json'), 'utf8')) as Omit<LogCase, 'id' | 'dir'>) };
  });
}

/** How one scan compares with the expected answer. */
export interface LogScore {
  id: string;
  trap: boolean;
  /** Traps: no incident. Others: the incident is on the expected line. */
  line: boolean;
  step: boolean;
  epoch: boolean;
  metric: boolean;
  nonFinite: boolean;
  /** The headline: line and step both right (a trap: clean). */
  right: boolean;
  got: string;
  want: string;
}

const show = (i: { line: number; step: number | null; metric: string | null; value: string } | null | undefined, epoch?: number | null): string =>
  i ? `line ${i.line} step ${i.step}${epoch === undefined ? '' : ` epoch ${epoch}`} ${i.metric}=${i.value}` : 'no incident';

export function scoreLog(c: LogCase, run: RunScan): LogScore {
  const got = run.incident as (RunScan['incident'] & { epoch?: number | null; nonFinite?: string[] }) | null;
  if (c.trap || !c.expected) {
    const clean = got === null;
    return { id: c.id, trap: true, line: clean, step: clean, epoch: clean, metric: clean, nonFinite: clean, right: clean, got: show(got), want: 'no incident' };
  }
  const e = c.expected;
  const line = got?.line === e.line;
  const step = line && got!.step === e.step;
  const epoch = line && (got!.epoch ?? null) === e.epoch;
  const metric = line && got!.metric === e.metric;
  const nonFinite = line && JSON.stringify(got!.nonFinite ?? [got!.metric]) === JSON.stringify(e.nonFinite);
  return { id: c.id, trap: false, line, step, epoch, metric, nonFinite, right: line && step, got: show(got, got?.epoch ?? null), want: show(e, e.epoch) };
}

/** The line `grep -n -i -w -E 'nan|inf'` stops at first: the baseline the reader must beat. */
export function grepFirstLine(file: string): number | null {
  const lines = readFileSync(file, 'latin1').split('\n');
  const word = /(?<![A-Za-z0-9_])(?:nan|inf)(?![A-Za-z0-9_])/i;
  const i = lines.findIndex((l) => word.test(l));
  return i < 0 ? null : i + 1;
}

// ---- projects ----

export interface LineRef {
  file: string;
  /** Notebooks: the 1-based cell (among all cells as stored); `line` is then the line within that cell's source. */
  cell?: number;
  line: number;
  text: string;
  code: string;
  why?: string;
}

export interface ProjectCase {
  id: string;
  dir: string;
  sources: { report: string; fix: string; repository: string; commit: string };
  framework: string;
  family: string;
  summary: string;
  diagnose?: { logs?: string[]; configs?: string[] };
  causes: LineRef[];
  notCauses: LineRef[];
}

export function loadProjectCases(root = projectCorpus): ProjectCase[] {
  return caseDirs(root, 'expected.json').map((id) => {
    const dir = join(root, id);
    return { id, dir, ...(JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as Omit<ProjectCase, 'id' | 'dir'>) };
  });
}

export interface ProjectScore {
  id: string;
  family: string;
  /** Per cause line: flagged with a warning or an error. */
  causes: { ref: LineRef; flagged: boolean; got: string }[];
  /** Per not-the-cause line: wrongly given a warning or an error. */
  notCauses: { ref: LineRef; warned: boolean; got: string }[];
}

const serious = (d: NanDiagnostic) => d.severity === 'error' || d.severity === 'warning';

function onLine(result: DiagnoseResult, ref: LineRef): NanDiagnostic[] {
  return result.diagnostics.filter((d) => d.file === ref.file && d.cell === ref.cell && d.range.start.line === ref.line - 1);
}

const describe = (ds: NanDiagnostic[]) => (ds.length ? ds.map((d) => `${d.severity} [${d.code}]`).join(', ') : 'nothing');

export function scoreProject(c: ProjectCase, result: DiagnoseResult): ProjectScore {
  return {
    id: c.id,
    family: c.family,
    causes: c.causes.map((ref) => {
      const ds = onLine(result, ref);
      return { ref, flagged: ds.some(serious), got: describe(ds) };
    }),
    notCauses: c.notCauses.map((ref) => {
      const ds = onLine(result, ref);
      return { ref, warned: ds.some(serious), got: describe(ds) };
    }),
  };
}
