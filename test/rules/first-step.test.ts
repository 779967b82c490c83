// "The first forward pass, before any update" is decided by whether a finite step came before the incident,
// not by the step's number: fractional epochs and counters from 0 are not the first pass; a NaN there clears
// the settings that act through updates (learning rate, warmup, epsilon, clipping), not precision.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { locate } from '../../src/engine/config/index.ts';
import { analyze } from '../../src/engine/diagnose.ts';
import { scanFile } from '../../src/engine/output/scan.ts';
import type { RunScan } from '../../src/engine/types.ts';
import { byCode, expectAtMost, expectOne } from './helpers.ts';

const LOGS = join(__dirname, 'fixtures', 'logs');

async function scanned(name: string): Promise<RunScan> {
  return scanFile(join(LOGS, name), { displayName: `logs/${name}` });
}

test('HF Trainer epochs 0.1-0.3 finite, NaN at epoch 0.4: after updates, so clipping off is not ruled out (no spike, no blow-up) and the data is not blamed', async () => {
  const args = await locate('args.json', '{ "learning_rate": 5e-05, "max_grad_norm": 0.0, "fp16": true }\n');
  const d = analyze([await scanned('hf_trainer_epochs.log')], [args]);
  const clip = expectOne(d, 'gradient-clipping', 'information', 'args.json', 1);
  assert.match(clip.message, /gradient clipping is off \(max_grad_norm: 0\.0\); hf_trainer_epochs\.log:4 shows loss=nan at epoch 0\.4, with no gradient-norm spike or loss blow-up before it/);
  assert.equal(byCode(d, 'data').length, 0, 'three finite steps came first: not the first forward pass');
});

test('a counter from 0: iter 0 finite, NaN at iter 1 is after an update (lr 0.5 is an error; clipping off, without a spike or blow-up, is information)', async () => {
  const cfg = await locate('config.yaml', 'learning_rate: 0.5\nmax_grad_norm: 0\n');
  const d = analyze([await scanned('iter_from_zero.log')], [cfg]);
  expectOne(d, 'learning-rate', 'error', 'config.yaml', 1);
  const clip = expectOne(d, 'gradient-clipping', 'information', 'config.yaml', 2);
  assert.match(clip.message, /not ruled out, not indicated/);
  assert.equal(byCode(d, 'data').length, 0);
});

test('NaN on the very first step clears learning rate, warmup, epsilon and clipping to information, saying why; precision stays', async () => {
  const cfg = await locate(
    'config.yaml',
    'learning_rate: 0.5\nmax_grad_norm: 0\nadam_epsilon: 1e-8\nweight_dtype: fp16\nmixed_precision: "no"\nlr_warmup_steps: 0\n',
  );
  const d = analyze([await scanned('nan_at_step_1.log')], [cfg]);
  const data = expectOne(d, 'data', 'warning', 'logs/nan_at_step_1.log', 1);
  assert.match(data.message, /no learning rate, warmup, epsilon or clipping setting can have caused it yet/);
  for (const [code, line] of [['learning-rate', 1], ['gradient-clipping', 2], ['optimizer-epsilon', 3], ['warmup', 6]] as const) {
    const x = expectOne(d, code, 'information', 'config.yaml', line);
    assert.match(x.message, /the first forward pass, before any optimizer update: .* has not acted yet, so it is not the cause of this NaN \(cleared\)/, code);
  }
  // fp16 weights can overflow in the first forward pass itself: not cleared
  expectOne(d, 'precision', 'warning', 'config.yaml', 4);
});

test('real tqdm: the bar drawn at 0/8 is not a finished step, so a NaN at 1/8 is the first forward pass', async () => {
  const run = await scanned('tqdm_first_step_nan.log');
  assert.deepEqual(run.steps, { first: 0, last: 1 }, 'the reader counts the 0/8 bar as a step');
  const cfg = await locate('config.yaml', 'learning_rate: 0.5\nlr_warmup_steps: 0\n');
  const d = analyze([run], [cfg]);
  expectOne(d, 'data', 'warning', 'logs/tqdm_first_step_nan.log', 1);
  expectAtMost(d, 'learning-rate', 'information');
  expectAtMost(d, 'warmup', 'information');
});

test("the reader's finiteStepBefore wins over step numbers: Keras epoch 2's batch 1 comes after epoch 1's updates", async () => {
  const cfg = await locate('config.yaml', 'learning_rate: 0.5\nmax_grad_norm: 0\n');
  const keras: RunScan = {
    log: 'logs/train.log',
    formats: ['keras'],
    incident: { line: 5, step: 1, metric: 'loss', value: 'nan', kind: 'metric', rank: null, before: [], epoch: 2, nonFinite: ['loss'] },
    steps: { first: 1, last: 1 },
    finiteStepBefore: true,
  };
  const after = analyze([keras], [cfg]);
  expectOne(after, 'learning-rate', 'error', 'config.yaml', 1);
  assert.equal(byCode(after, 'data').length, 0);
  const first = analyze([{ ...keras, steps: { first: 7, last: 7 }, incident: { ...keras.incident!, step: 7 }, finiteStepBefore: false }], [cfg]);
  expectOne(first, 'learning-rate', 'information', 'config.yaml', 1);
  expectOne(first, 'data', 'warning', 'logs/train.log', 5);
  // a running mean over the epoch's batches cannot tell: neither cleared by a first pass nor blamed on the data
  const mean = analyze([{ ...keras, finiteStepBefore: null }], [cfg]);
  assert.equal(byCode(mean, 'data').length, 0);
  assert.doesNotMatch(byCode(mean, 'learning-rate')[0].message, /first forward pass/);
});

test('clipping off is a warning when the loss blew up just before the NaN (exploding gradients), with the numbers', async () => {
  const cfg = await locate('config.py', 'optimizer_config = dict()\n');
  const lines = [2.9, 3.1, 3.0, 2.95, 3.05, 3.0, 5.1, 17.5, 176.6].map((l, i) => `Epoch [4][${i + 1}/54]\tlr: 2.5e-03, loss_cls: 1.0, loss: ${l}`);
  const { createRunAnalyzer } = await import('../../src/engine/output/analyzer.ts');
  const a = createRunAnalyzer('train.log');
  a.feed([...lines, 'Epoch [4][10/54]\tlr: 2.5e-03, loss_cls: nan, loss: nan', ''].join('\n'));
  a.end();
  const run = a.result();
  assert.deepEqual(run.lossBlewUp, { line: 8, from: 3, to: 176.6 });
  const clip = expectOne(analyze([run], [cfg]), 'gradient-clipping', 'warning', 'config.py', 1);
  assert.match(clip.message, /the loss blew up from about 3\.0 to 176\.6 \(from line 8\) just before/);
});
