import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { csv, splitCsvRow } from '../../../src/engine/output/structured/csv';
import { fixture, firstNonFinite, readAll } from './read-all';

test('CSV rows split with quotes', () => {
  assert.deepEqual(splitCsvRow('1,"a,b",  "say ""hi""" ,'), ['1', 'a,b', 'say "hi"', '']);
});

test('Lightning metrics.csv: train_loss inf at step 3 on line 5; validation rows are validation events', async () => {
  const { format, events } = await readAll(fixture('torch-diverged', 'lightning_logs', 'version_0', 'metrics.csv'));
  assert.equal(format, 'csv');
  assert.deepEqual(firstNonFinite(events), { line: 5, step: 3, metric: 'train_loss', value: 'inf', kind: 'step' });
  const validation = events.find((e) => e.kind === 'validation');
  assert.deepEqual(validation && [validation.line, validation.step, validation.nonFinite], [7, 4, { metric: 'val_loss', value: 'nan' }]);
  assert.deepEqual(events[0].metrics, { 'lr-SGD': 0.05, train_loss: 408.559326171875 });
});

test("Keras CSVLogger: 'NA' is a missing value, not NaN; loss inf at epoch 3", async () => {
  const { events } = await readAll(fixture('torch-diverged', 'keras', 'history.csv'));
  assert.deepEqual(firstNonFinite(events), { line: 5, step: 3, metric: 'loss', value: 'inf', kind: 'step' });
  assert.deepEqual(events[0].metrics, { loss: 408.559326171875 });
});

test('finite Lightning and Keras CSV logs have no non-finite event', async () => {
  for (const p of [['lightning_logs', 'version_0', 'metrics.csv'], ['keras', 'history.csv']]) {
    const { events } = await readAll(fixture('torch-finite', ...p));
    assert.ok(events.length >= 30);
    assert.equal(firstNonFinite(events), null);
  }
});

test('a data set CSV is not claimed; a row still being written is skipped', async () => {
  assert.equal(csv.matches('/data/train.csv', Buffer.from('image,label\na.png,3\n')), false);
  assert.equal(csv.matches('/logs/metrics.txt', Buffer.from('step,loss\n')), false);
  const path = join(mkdtempSync(join(tmpdir(), 'nd-csv-')), 'metrics.csv');
  writeFileSync(path, 'step,loss,val_loss\n1,0.5,\n2,na');
  assert.deepEqual((await readAll(path)).events.map((e) => e.step), [1]);
  writeFileSync(path, 'step,loss\r\n1,0.5\r\n2,-Infinity\r\n');
  assert.deepEqual(firstNonFinite((await readAll(path)).events), { line: 3, step: 2, metric: 'loss', value: '-inf', kind: 'step' });
});
