// `nan-doctor scan` on a 1 GB log (tqdm redraws + logging lines, a NaN near the end) against
// `grep -c -E 'nan|inf'` on the same file in the same run; plus peak RSS, and a 200 MB line of `\r` redraws.
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, statSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';

const OUT = resolve('bench/out');
const BIG = join(OUT, 'scan-1g.log');
const REDRAWS = join(OUT, 'redraws-200m.log');
const GB = 1024 * 1024 * 1024;
// Other work on the machine makes single runs noisy: alternate the two commands and compare the best of each.
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);

/** Writes a training log of about `bytes`: tqdm bars redrawn with `\r`, a logging line every 10 steps. */
function generateLog(path: string, bytes: number, nanAt: number): number {
  const fd = openSync(path, 'w');
  let size = 0;
  let step = 0;
  let nanLine = -1;
  let line = 1;
  const total = 10_000_000;
  const write = (text: string) => {
    const b = Buffer.from(text);
    writeSync(fd, b);
    size += b.length;
  };
  write('accelerate launch train.py --config configs/stage1.yaml\n');
  line++;
  while (size < bytes) {
    const parts: string[] = [];
    for (let k = 0; k < 1000; k++) {
      step++;
      const pct = Math.floor((step / total) * 100);
      const nan = nanLine < 0 && size >= nanAt && k === 500;
      if (nan) nanLine = line;
      const loss = nan ? 'nan' : (0.1 + (step % 97) / 1000).toFixed(4);
      parts.push(`\rSteps: ${String(pct).padStart(3)}%|${'█'.repeat(Math.floor(pct / 10)).padEnd(10)}| ${step}/${total} [01:02:03<10:11:12,  2.41it/s, lr=1e-05, step_loss=${loss}]`);
      if (step % 10 === 0) {
        parts.push(`\n2024-05-01 12:00:00,123 - INFO - __main__ - step ${step}: loss=${(0.1 + (step % 89) / 1000).toFixed(4)} lr=1e-05 grad_norm=${(1 + (step % 13) / 10).toFixed(3)} inference_time=0.12\n`);
        line += 2;
      }
    }
    write(parts.join(''));
  }
  closeSync(fd);
  return nanLine;
}

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

function main(): void {
  mkdirSync(OUT, { recursive: true });
  if (!existsSync('dist/cli.js')) spawnSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' });
  let nanLine = -1;
  if (!existsSync(BIG) || statSync(BIG).size < GB) {
    console.log('generating bench/out/scan-1g.log …');
    nanLine = generateLog(BIG, GB, Math.floor(GB * 0.97));
  }
  if (nanLine < 0) {
    const g = spawnSync('grep', ['-n', '-m1', 'step_loss=nan', BIG], { encoding: 'utf8' });
    nanLine = Number(g.stdout.split(':')[0]);
  }
  if (!existsSync(REDRAWS)) generateRedraws(REDRAWS, 200 * 1024 * 1024);

  const scanArgs = ['dist/cli.js', 'scan', '--format', 'json', BIG];
  const grepArgs = ['-c', '-E', 'nan|inf', BIG];
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
  console.log(`scan 1 GB: best ${best(scans, 'ms').toFixed(0)} ms, median ${mid(scans, 'ms').toFixed(0)} ms of ${ROUNDS}; CPU best ${best(scans, 'cpuMs').toFixed(0)} ms; incident line ${found} (expected ${nanLine}) ${found === nanLine ? 'ok' : 'WRONG'}`);
  console.log(`grep -c -E 'nan|inf' 1 GB: best ${best(greps, 'ms').toFixed(0)} ms, median ${mid(greps, 'ms').toFixed(0)} ms of ${ROUNDS}; CPU best ${best(greps, 'cpuMs').toFixed(0)} ms`);
  console.log(`scan/grep = ${(best(scans, 'ms') / best(greps, 'ms')).toFixed(2)} (target <= 1.5; best wall of each)`);
  console.log(`scan/grep median wall = ${(mid(scans, 'ms') / mid(greps, 'ms')).toFixed(2)}; CPU time = ${(best(scans, 'cpuMs') / best(greps, 'cpuMs')).toFixed(2)}`);
  console.log(`scan peak RSS = ${(rss / 1024).toFixed(0)} MB (target < 200)`);

  const redraw = timed(process.execPath, ['dist/cli.js', 'scan', '--format', 'json', REDRAWS]);
  const redrawLine = (JSON.parse(redraw.stdout) as { runs: { incident: { line: number } | null }[] }).runs[0].incident?.line ?? null;
  console.log(`200 MB line of \\r redraws: ${redraw.ms.toFixed(0)} ms, peak RSS = ${(redraw.maxRssKb / 1024).toFixed(0)} MB, incident line ${redrawLine} (expected 1)`);
  if (found !== nanLine || redrawLine !== 1) process.exitCode = 1;
}

main();
