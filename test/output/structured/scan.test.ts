// The structured readers through scanFile: the contract's run shape, incident and `before`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { scanFile } from '../../../src/engine/output/scan';
import { fixture } from './read-all';

test('a Lightning metrics.csv: the validation row before the NaN is in `before`', async () => {
  const run = await scanFile(fixture('lightning-val', 'metrics.csv'), { displayName: 'metrics.csv' });
  assert.deepEqual(run, {
    log: 'metrics.csv',
    formats: ['csv'],
    incident: { line: 8, step: 59, metric: 'train_loss', value: 'nan', kind: 'metric', rank: null, before: [{ line: 7, step: 49, event: 'validation' }], epoch: null, nonFinite: ['train_loss'] },
    steps: { first: 9, last: 69 },
    finiteStepBefore: true,
    // the lr-AdamW column on the NaN's own row
    lrAtIncident: 0.0001,
  });
});

test('every diverged PyTorch fixture gives its incident, every finite one gives incident: null', async () => {
  const cases: [string[], number, number | null, string][] = [
    [['runs', 'events.out.tfevents.1732550000.trainhost.4242.0'], 8, 4, 'tensorboard'],
    [['mlruns', '0', 'a1b2c3d4', 'metrics', 'loss'], 4, 4, 'mlflow'],
    [['checkpoint-30', 'trainer_state.json'], 32, 4, 'trainer-state'],
    [['lightning_logs', 'version_0', 'metrics.csv'], 5, 3, 'csv'],
    [['keras', 'history.csv'], 5, 3, 'csv'],
  ];
  for (const [parts, line, step, format] of cases) {
    const diverged = await scanFile(fixture('torch-diverged', ...parts));
    assert.deepEqual([diverged.incident?.line, diverged.incident?.step, diverged.formats], [line, step, [format]], parts.join('/'));
    const finiteParts = parts.map((p) => (p === 'a1b2c3d4' ? 'e5f6a7b8' : p));
    const finite = await scanFile(fixture('torch-finite', ...finiteParts));
    assert.equal(finite.incident, null, finiteParts.join('/'));
    assert.equal(finite.steps?.last, format === 'csv' ? 29 : 30, finiteParts.join('/'));
  }
});
