// watchRun on structured files: re-read on change, a new incident reported once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunScan, TrainingEvent } from '../../src/engine/types';
import { watchRun } from '../../src/engine/output/watch';
import { Waiter } from './follow-waiter';

function watch(path: string, settleMs?: number, debounceMs?: number) {
  const waiter = new Waiter();
  const incidents: RunScan[] = [];
  let events: TrainingEvent[] = [];
  const errors: string[] = [];
  const w = watchRun(path, {
    displayName: 'metrics/loss',
    settleMs,
    debounceMs,
    onIncident: (run) => {
      incidents.push(run);
      waiter.notify();
    },
    onEvents: (e) => {
      if (e.length) events = e;
      waiter.notify();
    },
    onError: (e) => {
      errors.push(e.message);
      waiter.notify();
    },
  });
  const sawStep = (step: number) => waiter.until(() => events.some((e) => e.step === step), `step ${step}`);
  return { w, waiter, incidents, errors, sawStep, events: () => events };
}

test('an MLflow metric file being appended to: the first NaN once, then a rewritten run once more', async () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'nd-wmlflow-')), 'mlruns', '0', 'abc', 'metrics');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'loss');
  writeFileSync(path, '1732550001000 0.9 1\n');
  const r = watch(path);
  try {
    await r.sawStep(1);
    assert.equal(r.w.current().formats[0], 'mlflow');
    appendFileSync(path, '1732550002000 0.8 2\n1732550003000 nan 3\n');
    await r.waiter.until(() => r.incidents.length === 1, 'the incident');
    assert.deepEqual([r.incidents[0].incident?.line, r.incidents[0].incident?.step, r.incidents[0].log], [3, 3, 'metrics/loss']);
    appendFileSync(path, '1732550004000 nan 4\n');
    await r.sawStep(4);
    // A new run overwrites the file: finite first, then NaN at a new place.
    writeFileSync(path, '1732550010000 0.7 1\n');
    await r.waiter.until(() => r.events().length === 1 && r.w.current().incident === null, 'the rewritten finite run');
    appendFileSync(path, '1732550011000 0.6 2\n1732550012000 0.5 3\n1732550013000 inf 4\n');
    await r.waiter.until(() => r.incidents.length === 2, 'the second incident');
    assert.deepEqual([r.incidents[1].incident?.line, r.incidents[1].incident?.step, r.incidents[1].incident?.value], [4, 4, 'inf']);
    appendFileSync(path, '1732550014000 nan 5\n');
    await r.sawStep(5);
    assert.equal(r.incidents.length, 2);
    assert.deepEqual(r.errors, []);
  } finally {
    r.w.close();
  }
});

test('a TensorBoard event file that grows record by record; a corrupt rewrite is reported once as an error', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'nd-wtb-'));
  const name = 'events.out.tfevents.1732550000.trainhost.4242.0';
  const whole = await import('node:fs').then((fs) => fs.readFileSync(join(__dirname, 'structured', 'fixtures', 'tensorboard', 'tf1-nan', name)));
  const path = join(dir, name);
  writeFileSync(path, whole.subarray(0, 200)); // a few records and a cut one
  const r = watch(path);
  try {
    await r.sawStep(10);
    assert.equal(r.incidents.length, 0);
    appendFileSync(path, whole.subarray(200));
    await r.waiter.until(() => r.incidents.length === 1, 'the incident');
    assert.deepEqual([r.incidents[0].incident?.line, r.incidents[0].incident?.step, r.incidents[0].formats], [11, 40, ['tensorboard']]);
    const corrupt = Buffer.from(whole);
    corrupt[80] ^= 0xff;
    writeFileSync(path, corrupt);
    await r.waiter.until(() => r.errors.length === 1, 'the error');
    assert.match(r.errors[0], /record 2 at byte \d+: data checksum mismatch/);
    copyFileSync(join(__dirname, 'structured', 'fixtures', 'tensorboard', 'finite', 'events.out.tfevents.1732550002.trainhost.5.0'), path);
    await r.sawStep(19);
    assert.equal(r.w.current().incident, null);
    assert.equal(r.incidents.length, 1);
  } finally {
    r.w.close();
  }
});

test('a CSV log whose header arrives in pieces is still read as CSV', async () => {
  const path = join(mkdtempSync(join(tmpdir(), 'nd-wcsv-')), 'metrics.csv');
  writeFileSync(path, 'epo');
  const r = watch(path);
  try {
    await r.waiter.until(() => r.w.current().formats.length === 0, 'the first look');
    appendFileSync(path, 'ch,step,train_loss\n0,1,0.9\n');
    await r.sawStep(1);
    assert.deepEqual(r.w.current().formats, ['csv']);
    appendFileSync(path, '0,2,nan\n0,3,nan\n');
    await r.waiter.until(() => r.incidents.length === 1, 'the incident');
    assert.deepEqual([r.incidents[0].incident?.line, r.incidents[0].incident?.step, r.incidents[0].incident?.metric], [3, 2, 'train_loss']);
  } finally {
    r.w.close();
  }
});

test('a trainer_state.json caught half-written is not an error; the finished file gives its incident', async () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'nd-wts-')), 'checkpoint-30');
  mkdirSync(dir);
  const path = join(dir, 'trainer_state.json');
  const whole = await import('node:fs').then((fs) => fs.readFileSync(join(__dirname, 'structured', 'fixtures', 'torch-diverged', 'checkpoint-30', 'trainer_state.json')));
  writeFileSync(path, whole.subarray(0, 700)); // cut inside log_history
  // Errors must persist 60 s unchanged to count; reads follow changes at once.
  const r = watch(path, 60_000, 0);
  // No callback tells of a failed read: look at the run's state every few milliseconds instead.
  const look = setInterval(() => r.waiter.notify(), 5);
  try {
    await r.waiter.until(() => r.w.current().formats[0] === 'trainer-state', 'the format choice');
    clearInterval(look);
    appendFileSync(path, whole.subarray(700));
    await r.waiter.until(() => r.incidents.length === 1, 'the incident');
    assert.deepEqual([r.incidents[0].incident?.line, r.incidents[0].incident?.step], [32, 4]);
    assert.deepEqual(r.errors, []);
  } finally {
    clearInterval(look);
    r.w.close();
  }
});
