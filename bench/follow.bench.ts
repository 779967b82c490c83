// Live-follow latency: time from appendFileSync returning to watchRun's onIncident, over 200 appends of
// a NaN line, each into a fresh run (truncate, then append). Baseline: a bare fs.watch callback on the
// same file in the same run, timed from the same appends.
import { appendFileSync, mkdtempSync, rmSync, truncateSync, watch, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { watchRun } from '../src/engine/output/watch';

const APPENDS = Number(process.env.BENCH_APPENDS ?? 200);
const WARMUP = 5;
const IDLE_SLICES = 5;

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'nd-bench-follow-'));
  const path = join(dir, 'train.log');
  writeFileSync(path, 'step 1 | loss: 0.9000 | lr: 0.0001\n');

  let appendedAt = 0;
  let bareArmed = false;
  let bareLatency = -1;
  let incidentLatency = -1;
  let resets = 0;
  let wake: (() => void) | null = null;
  const poke = () => wake?.();
  const until = (check: () => boolean) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no event within 10 s')), 10_000);
      const test = () => {
        if (!check()) return;
        clearTimeout(timer);
        wake = null;
        resolve();
      };
      wake = test;
      test();
    });

  const bare = watch(path, () => {
    if (!bareArmed) return;
    bareArmed = false;
    bareLatency = performance.now() - appendedAt;
    poke();
  });
  const run = watchRun(path, {
    onIncident: () => {
      incidentLatency = performance.now() - appendedAt;
      poke();
    },
    onEvents: (events) => {
      if (events.length === 0) resets++;
      poke();
    },
  });

  const ours: number[] = [];
  const idleCpuMs: number[] = [];
  const baseline: number[] = [];
  try {
    await until(() => run.current().steps !== null); // the existing line was read
    for (let i = 0; i < WARMUP + APPENDS; i++) {
      const before = resets;
      truncateSync(path, 0);
      await until(() => resets > before); // the new run started (not timed)
      await new Promise((resolve) => setTimeout(resolve, 20)); // let the follower go idle, as between real log lines
      incidentLatency = -1;
      bareLatency = -1;
      bareArmed = true;
      appendFileSync(path, `step ${i + 2} | loss: nan | lr: 0.0001\n`);
      appendedAt = performance.now();
      await until(() => incidentLatency >= 0 && bareLatency >= 0);
      if (i >= WARMUP) {
        ours.push(incidentLatency);
        baseline.push(bareLatency);
      }
    }
    // Nothing changes for a while: the follower should cost (next to) nothing. Measured in 1 s slices:
    // V8's own background work (heap shrinking, compilation) lands in single slices, the median is the follower.
    (globalThis as { gc?: () => void }).gc?.();
    await new Promise((resolve) => setTimeout(resolve, 500));
    for (let slice = 0; slice < IDLE_SLICES; slice++) {
      const cpu = process.cpuUsage();
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const used = process.cpuUsage(cpu);
      idleCpuMs.push((used.user + used.system) / 1000);
    }
  } finally {
    run.close();
    bare.close();
    rmSync(dir, { recursive: true, force: true });
  }

  const fmt = (x: number) => x.toFixed(2);
  const p50 = percentile(ours, 50);
  const p95 = percentile(ours, 95);
  const b50 = percentile(baseline, 50);
  const b95 = percentile(baseline, 95);
  console.log(`appends: ${ours.length} (each a NaN line into a fresh run)`);
  console.log(`watchRun append -> onIncident: p50 = ${fmt(p50)} ms, p95 = ${fmt(p95)} ms, max = ${fmt(Math.max(...ours))} ms`);
  console.log(`bare fs.watch append -> callback: p50 = ${fmt(b50)} ms, p95 = ${fmt(b95)} ms`);
  console.log(`ratio watchRun / bare fs.watch: p50 ${fmt(p50 / b50)}x, p95 ${fmt(p95 / b95)}x`);
  const idleTotal = idleCpuMs.reduce((a, b) => a + b, 0);
  console.log(`idle (nothing appended): median ${fmt(percentile(idleCpuMs, 50))} ms CPU per second, ${fmt(idleTotal)} ms over ${IDLE_SLICES} s in all`);
  console.log(`p95 = ${fmt(p95)} ms (target < 100 ms) ${p95 < 100 ? 'OK' : 'MISSED'}`);
  if (p95 >= 100) process.exitCode = 1;
}

void main();
