// Scores NaN Doctor on the real-world corpora: `node --import tsx scripts/corpus-score.ts [logs|projects|all]
// [--cli path/to/cli.js] [--dir cases/] [--failures]`. With --cli it runs that build of the CLI (an older commit's,
// for the "before" score); without, the CLI built in dist/. With --dir it scores the cases in that folder instead of
// the committed corpus (new cases, before they are studied: a held-out check).
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import type { DiagnoseResult, ScanResult } from '../src/engine/types';
import { grepFirstLine, loadLogCases, loadProjectCases, repoRoot, scoreLog, scoreProject, type LogScore } from '../test/corpus/cases';

const args = process.argv.slice(2);
const which = args.find((a, i) => !a.startsWith('--') && !['--cli', '--dir'].includes(args[i - 1])) ?? 'all';
const cliAt = args.indexOf('--cli');
const cli = cliAt >= 0 ? resolve(args[cliAt + 1]) : join(repoRoot, 'dist', 'cli.js');
const failures = args.includes('--failures');
const dirAt = args.indexOf('--dir');
const dir = dirAt >= 0 ? resolve(args[dirAt + 1]) : undefined;

function runCli(argv: string[], cwd: string): unknown {
  const r = spawnSync(process.execPath, [cli, ...argv, '--format', 'json'], { cwd, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status === 2 || !r.stdout) return { error: (r.stderr || '').trim().split('\n')[0] || `exit ${r.status}` };
  return JSON.parse(r.stdout);
}

const pct = (n: number, d: number) => (d ? `${((100 * n) / d).toFixed(1)}%` : '-');

function logs(): void {
  const cases = loadLogCases(dir);
  const scores: LogScore[] = [];
  let grepRight = 0;
  for (const c of cases) {
    const out = runCli(['scan', c.log], c.dir) as ScanResult | { error: string };
    const run = 'runs' in out ? out.runs[0] : { log: c.log, formats: [], incident: null, steps: null };
    const score = scoreLog(c, run);
    if ('error' in out) score.got = `error: ${out.error}`;
    scores.push(score);
    const g = grepFirstLine(join(c.dir, c.log));
    if (c.trap ? g === null : g === c.expected!.line) grepRight++;
  }
  const real = scores.filter((s) => !s.trap);
  const traps = scores.filter((s) => s.trap);
  const count = (f: (s: LogScore) => boolean, list = real) => list.filter(f).length;
  console.log(`logs: ${cases.length} cases (${real.length} incidents, ${traps.length} traps), ${new Set(cases.map((c) => c.project.toLowerCase())).size} projects, ${new Set(cases.map((c) => c.framework)).size} frameworks`);
  console.log(`  line and step right  ${count((s) => s.right)}/${real.length} (${pct(count((s) => s.right), real.length)})`);
  console.log(`  line right           ${count((s) => s.line)}/${real.length} (${pct(count((s) => s.line), real.length)})`);
  console.log(`  epoch right          ${count((s) => s.epoch)}/${real.length} (${pct(count((s) => s.epoch), real.length)})`);
  console.log(`  metric right         ${count((s) => s.metric)}/${real.length} (${pct(count((s) => s.metric), real.length)})`);
  console.log(`  all non-finite named ${count((s) => s.nonFinite)}/${real.length} (${pct(count((s) => s.nonFinite), real.length)})`);
  console.log(`  traps clean          ${count((s) => s.right, traps)}/${traps.length}`);
  console.log(`  grep -iw 'nan|inf' right (first match is the line; traps: no match) ${grepRight}/${cases.length} (${pct(grepRight, cases.length)})`);
  if (failures) for (const s of scores.filter((x) => !x.right || !x.epoch || !x.metric)) console.log(`  ${s.right ? 'partly' : 'WRONG '} ${s.id}: got ${s.got}; want ${s.want}`);
}

function projects(): void {
  const cases = loadProjectCases(dir);
  let causes = 0;
  let flagged = 0;
  let notCauses = 0;
  let warned = 0;
  let casesFlagged = 0;
  const byFamily = new Map<string, { n: number; flagged: number }>();
  const lines: string[] = [];
  for (const c of cases) {
    const argv = ['diagnose', '.', ...(c.diagnose?.logs ?? []).flatMap((l) => ['--log', l]), ...(c.diagnose?.configs ?? []).flatMap((f) => ['--config', f])];
    // The case's answer file is not part of the project: diagnose a copy without it.
    const copy = mkdtempSync(join(tmpdir(), `nd-${c.id}-`));
    cpSync(c.dir, copy, { recursive: true, filter: (src) => basename(src) !== 'expected.json' });
    const out = runCli(argv, copy) as DiagnoseResult | { error: string };
    rmSync(copy, { recursive: true, force: true });
    const result: DiagnoseResult = 'diagnostics' in out ? out : { version: 1, runs: [], diagnostics: [], probe: null };
    const s = scoreProject(c, result);
    if (s.causes.some((x) => x.flagged)) casesFlagged++;
    const fam = byFamily.get(c.family) ?? { n: 0, flagged: 0 };
    for (const x of s.causes) {
      causes++;
      fam.n++;
      if (x.flagged) {
        flagged++;
        fam.flagged++;
      } else lines.push(`  MISSED ${c.id} ${x.ref.file}:${x.ref.line} [${x.ref.code}] got ${x.got}${'error' in out ? ` (${out.error})` : ''}`);
    }
    byFamily.set(c.family, fam);
    for (const x of s.notCauses) {
      notCauses++;
      if (!x.warned) continue;
      warned++;
      lines.push(`  BLAMED ${c.id} ${x.ref.file}:${x.ref.line} [${x.ref.code}] got ${x.got}`);
    }
  }
  console.log(`projects: ${cases.length} cases`);
  console.log(`  cases with a root-cause line flagged          ${casesFlagged}/${cases.length} (${pct(casesFlagged, cases.length)})`);
  console.log(`  root-cause lines flagged (warning or error)  ${flagged}/${causes} (${pct(flagged, causes)})`);
  console.log(`  not-the-cause lines warned                   ${warned}/${notCauses} (${pct(warned, notCauses)})`);
  for (const [family, f] of [...byFamily].sort()) console.log(`    ${family.padEnd(22)} ${f.flagged}/${f.n}`);
  if (failures) for (const l of lines) console.log(l);
}

if (which === 'all' || which === 'logs') logs();
if (which === 'all' || which === 'projects') projects();
