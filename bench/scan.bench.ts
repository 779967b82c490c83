// `nan-doctor scan` against `grep -c -E 'nan|inf'` on the same file in the same run, on two 400 MB logs: one
// dominated by tqdm redraws, one mixed where a line in five mentions nan without being non-finite (Megatron's
// `number of nan iterations: 0`, INFO lines, tqdm bars, HF dicts). Plus peak RSS, and a 200 MB line of `\r` redraws.
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { generateMixedLog, generateTqdmLog } from './generate-logs';

const OUT = resolve('bench/out');
const REDRAWS = join(OUT, 'redraws-200m.log');
const MB = 1024 * 1024;
const SIZE = 400 * MB;
// Other work on the machine makes single runs noisy: alternate the two commands and compare the best of each.
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);

function generateRedraws(path: string, bytes: number): void {
  const fd = openSync(path, 'w');
  const bar = Buffer.from('\rEpoch 0:  40%|████      | 4/10 [00:00<00:00, 88.10it/s, v_num=0, train_loss=0.512]');
  const block = Buffer.concat(Array.from({ length: 4096 }, () => bar));
  for (let size = 0; size < bytes; size += block.length) writeSync(fd, block);
  writeSync(fd, '\rEpoch 0:  50%|█████     | 5/10 [00:00<00:00, 88.10it/s, v_num=0, train_loss=nan]\n');
  closeSync(fd);
}

interface Timed {
  ms: number;
  /** User + system CPU time of the command, from /usr/bin/time. */
  cpuMs: number;
  stdout: string;
  maxRssKb: number;
}

/** Runs a command under /usr/bin/time: wall time here, CPU time and peak RSS from the kernel's accounting. */
function timed(command: string, args: string[]): Timed {
  const started = process.hrtime.bigint();
  const r = spawnSync('/usr/bin/time', ['-f', 'TIME %U %S %M', command, ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (r.status !== 0 && r.status !== 1) throw new Error(`${command} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  const t = /TIME ([\d.]+) ([\d.]+) (\d+)/.exec(r.stderr ?? '');
  if (!t) throw new Error(`no /usr/bin/time output from ${command}: ${r.stderr}`);
  return { ms, cpuMs: (Number(t[1]) + Number(t[2])) * 1000, stdout: r.stdout, maxRssKb: Number(t[3]) };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** Generates the log once (its size and NaN line are kept in a side file) and returns its NaN line. */
function ensureLog(path: string, generate: (path: string, bytes: number, nanAt: number) => number): number {
  const side = `${path}.nanline`;
  if (existsSync(path) && existsSync(side) && statSync(path).size >= SIZE) return Number(readFileSync(side, 'utf8'));
  console.log(`generating ${path} …`);
  const line = generate(path, SIZE, Math.floor(SIZE * 0.97));
  writeFileSync(side, String(line));
  return line;
}

function compare(name: string, path: string, nanLine: number, target: number): boolean {
  const scanArgs = ['dist/cli.js', 'scan', '--format', 'json', path];
  const grepArgs = ['-c', '-E', 'nan|inf', path];
  // Warm the page cache for both commands alike.
  timed('grep', grepArgs);
  const scans: Timed[] = [];
  const greps: Timed[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    if (round % 2) greps.push(timed('grep', grepArgs));
    scans.push(timed(process.execPath, scanArgs));
    if (!(round % 2)) greps.push(timed('grep', grepArgs));
  }
  const found = (JSON.parse(scans[0].stdout) as { runs: { incident: { line: number } | null }[] }).runs[0].incident?.line ?? null;
  const best = (xs: Timed[], key: 'ms' | 'cpuMs') => Math.min(...xs.map((x) => x[key]));
  const mid = (xs: Timed[], key: 'ms' | 'cpuMs') => median(xs.map((x) => x[key]));
  const rss = Math.max(...scans.map((s) => s.maxRssKb));
  const ratio = best(scans, 'ms') / best(greps, 'ms');
  console.log(`${name} (${(statSync(path).size / MB).toFixed(0)} MB):`);
  console.log(`  scan: best ${best(scans, 'ms').toFixed(0)} ms, median ${mid(scans, 'ms').toFixed(0)} ms of ${ROUNDS}; CPU best ${best(scans, 'cpuMs').toFixed(0)} ms; incident line ${found} (expected ${nanLine}) ${found === nanLine ? 'ok' : 'WRONG'}`);
  console.log(`  grep -c -E 'nan|inf': best ${best(greps, 'ms').toFixed(0)} ms, median ${mid(greps, 'ms').toFixed(0)} ms of ${ROUNDS}; CPU best ${best(greps, 'cpuMs').toFixed(0)} ms`);
  console.log(`  scan/grep = ${ratio.toFixed(2)} (target <= ${target}; best wall of each); median wall ${(mid(scans, 'ms') / mid(greps, 'ms')).toFixed(2)}; CPU ${(best(scans, 'cpuMs') / best(greps, 'cpuMs')).toFixed(2)}`);
  console.log(`  scan peak RSS = ${(rss / 1024).toFixed(0)} MB (target < 200)`);
  return found === nanLine;
}

function main(): void {
  mkdirSync(OUT, { recursive: true });
  if (!existsSync('dist/cli.js')) spawnSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' });
  const tqdm = join(OUT, 'scan-tqdm-400m.log');
  const mixed = join(OUT, 'scan-mixed-400m.log');
  const tqdmLine = ensureLog(tqdm, generateTqdmLog);
  const mixedLine = ensureLog(mixed, generateMixedLog);
  if (!existsSync(REDRAWS)) generateRedraws(REDRAWS, 200 * MB);

  let ok = compare('tqdm-dominated log', tqdm, tqdmLine, 1.5);
  ok = compare('mixed log, one line in five mentions nan', mixed, mixedLine, 3) && ok;

  const redraw = timed(process.execPath, ['dist/cli.js', 'scan', '--format', 'json', REDRAWS]);
  const redrawLine = (JSON.parse(redraw.stdout) as { runs: { incident: { line: number } | null }[] }).runs[0].incident?.line ?? null;
  console.log(`200 MB line of \\r redraws: ${redraw.ms.toFixed(0)} ms, peak RSS = ${(redraw.maxRssKb / 1024).toFixed(0)} MB, incident line ${redrawLine} (expected 1)`);
  if (!ok || redrawLine !== 1) process.exitCode = 1;
}

main();
