import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parsePythonJson } from '../../../src/engine/output/structured/python-json';
import { scanFile } from '../../../src/engine/output/scan';
import { fixture, firstNonFinite, readAll } from './read-all';

test("Python's json literals NaN, Infinity, -Infinity parse; lines of objects are kept", () => {
  const { value, lineOf } = parsePythonJson('{\n  "a": [NaN, Infinity, -Infinity, -1.5e3, "NaN"],\n  "b": {\n    "c": null\n  }\n}\n');
  const v = value as { a: unknown[]; b: object };
  assert.ok(Number.isNaN(v.a[0]));
  assert.deepEqual(v.a.slice(1), [Infinity, -Infinity, -1500, 'NaN']);
  assert.equal(lineOf.get(v.b), 3);
  assert.throws(() => parsePythonJson('{\n  "a": nan\n}'), /line 2: expected a value/);
});

test('trainer_state.json from a diverged run: the step-4 entry (line 32) has grad_norm Infinity', async () => {
  const { format, events } = await readAll(fixture('torch-diverged', 'checkpoint-30', 'trainer_state.json'));
  assert.equal(format, 'trainer-state');
  // keys are sorted by json.dumps(sort_keys=True), so grad_norm comes before loss
  assert.deepEqual(firstNonFinite(events), { line: 32, step: 4, metric: 'grad_norm', value: 'inf', kind: 'step' });
  assert.deepEqual(events[0].metrics, { grad_norm: 451.02496337890625, learning_rate: 0.05, loss: 408.5593 });
  const evaluation = events.find((e) => e.kind === 'evaluation');
  assert.equal(evaluation?.step, 5);
  assert.deepEqual(evaluation?.nonFinite, { metric: 'eval_loss', value: 'nan' });
});

test('a finite trainer_state.json has no non-finite event', async () => {
  const { events } = await readAll(fixture('torch-finite', 'checkpoint-30', 'trainer_state.json'));
  assert.equal(firstNonFinite(events), null);
  assert.equal(events.filter((e) => e.kind === 'evaluation').length, 6);
});

test('a trainer_state.json without log_history, or cut short, is a clear error', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'nd-ts-'));
  const path = join(dir, 'trainer_state.json');
  writeFileSync(path, '{"global_step": 3}\n');
  await assert.rejects(readAll(path), /no log_history/);
  writeFileSync(path, '{\n  "log_history": [\n    {\n      "loss": 1.0,\n');
  await assert.rejects(readAll(path), /unexpected end of file/);
});

test("an fp16 run's skipped step (grad_norm inf, loss finite) is an overflow event; the later NaN loss is the incident", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'nd-ts-'));
  const path = join(dir, 'trainer_state.json');
  const entry = (step: number, gradNorm: string, loss: string) =>
    `    {\n      "epoch": ${step / 10},\n      "grad_norm": ${gradNorm},\n      "learning_rate": 5e-05,\n      "loss": ${loss},\n      "step": ${step}\n    }`;
  const history = [entry(1, '3.25', '2.1'), entry(2, 'Infinity', '2.0'), entry(3, '2.5', '1.9')];
  writeFileSync(path, `{\n  "global_step": 3,\n  "log_history": [\n${history.join(',\n')}\n  ]\n}\n`);
  const { events } = await readAll(path);
  assert.equal(firstNonFinite(events), null);
  assert.deepEqual(events.map((e) => e.kind), ['step', 'overflow', 'step']);
  assert.deepEqual(events[1].metrics, { learning_rate: 5e-5, loss: 2.0 });

  writeFileSync(path, `{\n  "global_step": 4,\n  "log_history": [\n${[...history, entry(4, 'NaN', 'NaN')].join(',\n')}\n  ]\n}\n`);
  const run = await scanFile(path);
  assert.equal(run.incident?.step, 4);
  assert.equal(run.incident?.value, 'nan');
});
