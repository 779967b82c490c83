// Randomized (seeded, so it repeats exactly) appends, truncations, rotations, deletions and re-creations
// of a watched log with NaN lines sprinkled in: every run's incident is reported once, none missed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, existsSync, mkdtempSync, renameSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { watchRun } from '../../src/engine/output/watch';
import { Waiter, seededRandom } from './follow-waiter';

interface Written {
  step: number;
  line: number;
}

async function randomSession(seed: number, operations: number) {
  const random = seededRandom(seed);
  const dir = mkdtempSync(join(tmpdir(), `nd-random-${seed}-`));
  const path = join(dir, 'train.log');
  const waiter = new Waiter();
  const seen = new Map<number, number>(); // step -> line it was reported on
  const incidents: Written[] = [];
  const errors: Error[] = [];
  let resets = 0;

  // What the test wrote: the current run's line count and whether it already has a NaN.
  let exists = false;
  let lines = 0;
  let hasNan = false;
  let step = 0;
  const expected: Written[] = [];

  const w = watchRun(path, {
    onIncident: (run) => {
      incidents.push({ step: run.incident!.step!, line: run.incident!.line });
      waiter.notify();
    },
    onEvents: (events) => {
      if (events.length === 0) resets++;
      for (const e of events) if (e.step !== null) seen.set(e.step, e.line);
      waiter.notify();
    },
    onError: (e) => errors.push(e),
  });

  const newRun = () => {
    lines = 0;
    hasNan = false;
  };
  // Writes one line through `write`, returning what must be seen for it.
  const line = (nan: boolean, write: (text: string) => void): Written => {
    step++;
    lines++;
    write(`step ${step} | loss: ${nan ? 'nan' : (1 / step).toFixed(4)} | lr: 0.001\n`);
    const w = { step, line: lines };
    if (nan && !hasNan) expected.push(w);
    hasNan ||= nan;
    return w;
  };
  const seenLine = (x: Written) => waiter.until(() => seen.get(x.step) === x.line, `step ${x.step} on line ${x.line} (seed ${seed})`);
  const reported = (n: number) => waiter.until(() => incidents.length >= n, `incident ${n} (seed ${seed})`);
  const resetAfter = (n: number) => waiter.until(() => resets > n, `a reset (seed ${seed})`);
  const append = (text: string) => appendFileSync(path, text);

  try {
    for (let i = 0; i < operations; i++) {
      const r = random();
      const nan = random() < 0.25;
      const before = resets;
      if (!exists || r < 0.45) {
        // An append (creating the file when it is missing: a new run).
        if (!exists) newRun();
        const x = line(nan, append);
        exists = true;
        await seenLine(x);
      } else if (r < 0.55) {
        if (lines === 0) continue; // truncating an empty file changes nothing
        truncateSync(path, 0);
        newRun();
        await resetAfter(before);
      } else if (r < 0.65) {
        // Truncate and write at once (open with 'w').
        newRun();
        await seenLine(line(nan, (t) => writeFileSync(path, t)));
      } else if (r < 0.8) {
        // Rotation, sometimes with a last line written to the old file just before the rename.
        const last = random() < 0.5 ? line(random() < 0.5, append) : null;
        renameSync(path, `${path}.1`);
        newRun();
        const x = line(nan, (t) => writeFileSync(path, t));
        if (last) await seenLine(last);
        await seenLine(x);
      } else if (r < 0.9) {
        rmSync(path);
        exists = false;
        newRun();
        await resetAfter(before);
      } else {
        // Deleted and re-created between two looks.
        rmSync(path);
        newRun();
        await seenLine(line(nan, (t) => writeFileSync(path, t)));
      }
      await reported(expected.length);
    }
    assert.deepEqual(errors, []);
    assert.ok(expected.length >= 3, `seed ${seed} should produce several incidents`);
    // Reported exactly once each, in order: no incident missed, none twice.
    assert.deepEqual(incidents, expected);
  } finally {
    w.close();
    if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
  }
}

for (const seed of [1, 7, 2026]) {
  test(`random appends/truncations/rotations/deletions, seed ${seed}: every incident once`, async () => {
    await randomSession(seed, 80);
  });
}
