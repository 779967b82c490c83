import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mlflow, mlflowMetricName } from '../../../src/engine/output/structured/mlflow';
import { fixture, firstNonFinite, readAll } from './read-all';

const run = (...p: string[]) => fixture('torch-diverged', 'mlruns', '0', 'a1b2c3d4', 'metrics', ...p);

test('the metric name is the path below metrics/, nested names included', () => {
  assert.equal(mlflowMetricName('/x/mlruns/0/abc/metrics/eval/loss'), 'eval/loss');
  assert.equal(mlflowMetricName('C:\\runs\\mlruns\\0\\abc\\metrics\\loss'), 'loss');
  assert.equal(mlflowMetricName('/x/metrics'), null);
});

test('MLflow loss file: first non-finite on line 4, step 4', async () => {
  const { format, events } = await readAll(run('loss'));
  assert.equal(format, 'mlflow');
  assert.deepEqual(firstNonFinite(events), { line: 4, step: 4, metric: 'loss', value: 'inf', kind: 'step' });
  assert.deepEqual(events[0].metrics, { loss: 408.559326171875 });
});

test('MLflow nested eval metric: nan at step 5 is an evaluation event', async () => {
  const { events } = await readAll(run('eval', 'loss'));
  assert.deepEqual(firstNonFinite(events), { line: 1, step: 5, metric: 'eval/loss', value: 'nan', kind: 'evaluation' });
});

test('a finite MLflow run has no non-finite event', async () => {
  const { events } = await readAll(fixture('torch-finite', 'mlruns', '0', 'e5f6a7b8', 'metrics', 'loss'));
  assert.equal(events.length, 30);
  assert.equal(firstNonFinite(events), null);
  assert.equal(events[29].step, 30);
});

test('meta.yaml and files outside metrics/ are not MLflow metric files', () => {
  const head = Buffer.from('artifact_uri: file:///tmp\n');
  assert.equal(mlflow.matches(fixture('torch-diverged', 'mlruns', '0', 'a1b2c3d4', 'meta.yaml'), head), false);
  assert.equal(mlflow.matches('/logs/loss', Buffer.from('1732550001000 0.5 1\n')), false);
});

test('an unterminated last line (still being written) is skipped; a garbled line is a clear error', async () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'nd-mlflow-')), 'metrics');
  mkdirSync(dir);
  const live = join(dir, 'loss');
  writeFileSync(live, '1732550001000 0.5 1\n1732550002000 na');
  assert.deepEqual((await readAll(live)).events.map((e) => e.step), [1]);
  writeFileSync(live, '1732550001000 0.5 1\nhello world\n');
  await assert.rejects(readAll(live), /line 2: not an MLflow metric line/);
});
