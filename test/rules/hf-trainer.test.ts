import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyze } from '../../src/engine/diagnose.ts';
import { applyEdits, expectAtMost, expectOne, fixture, fixtureText, run, expectOnly16BitSuspects } from './helpers.ts';

const HIGH = 'hf-trainer/train_args_high_lr.json';
const OK = 'hf-trainer/train_args_ok.json';

test('HF Trainer: a 5e-3 learning rate with no warmup and clipping off, NaN at step 40 after a grad-norm spike', async () => {
  const files = [await fixture(HIGH)];
  const runs = [run({ line: 88, step: 40, metric: 'loss', before: [{ line: 86, step: 30, event: 'grad-norm-spike' }] })];
  const d = analyze(runs, files);
  const lr = expectOne(d, 'learning-rate', 'error', HIGH, 11);
  assert.match(lr.message, /learning_rate 5e-3 is high for adamw_torch/);
  assert.deepEqual(lr.change, { learning_rate: 5e-4 });
  assert.equal(applyEdits(fixtureText(HIGH), lr.fixes[0].edits).split('\n')[10], '    "learning_rate": 5e-4,');
  assert.deepEqual(lr.related[0], { file: 'logs/train.log', line: 88, message: 'first NaN: loss at step 40' });
  const clip = expectOne(d, 'gradient-clipping', 'error', HIGH, 16);
  assert.match(clip.message, /gradient clipping is off \(max_grad_norm: 0\.0\); gradient norms spiked at line 86/);
  assert.equal(applyEdits(fixtureText(HIGH), clip.fixes[0].edits).split('\n')[15], '    "max_grad_norm": 1.0,');
  expectOne(d, 'warmup', 'error', HIGH, 19);
  // fp16: true is AMP with fp32 master weights, so 1e-8 is fine in the optimizer
  expectAtMost(d, 'optimizer-epsilon', 'information');
  expectAtMost(d, 'precision', 'information');
});

test('HF Trainer: lr 2e-5, clipping 1.0 and 500 warmup steps are cleared', async () => {
  const d = analyze([run({ step: 40 })], [await fixture(OK)]);
  // nothing but fp16 AMP, the usual suspect of a 16-bit run
  expectOnly16BitSuspects(d, `${OK}:24`);
  const lr = expectOne(d, 'learning-rate', 'information', OK, 11);
  assert.match(lr.message, /cleared/);
  expectOne(d, 'gradient-clipping', 'information', OK, 16);
});

test('HF Trainer: no incident, a risky learning rate is a warning, not an error', async () => {
  const d = analyze([{ log: 'logs/train.log', formats: [], incident: null, steps: { first: 1, last: 900 } }], [await fixture(HIGH)]);
  expectOne(d, 'learning-rate', 'warning', HIGH, 11);
  assert.equal(d.filter((x) => x.severity === 'error').length, 0);
});

test('HF Trainer: NaN right after an evaluation scheduled by eval_steps lands on eval_steps', async () => {
  const runs = [run({ line: 400, step: 201, before: [{ line: 395, step: 200, event: 'evaluation' }] })];
  const d = analyze(runs, [await fixture(OK)]);
  const v = expectOne(d, 'validation-frequency', 'error', OK, 22);
  assert.match(v.message, /evaluation runs every 200 steps \(eval_steps\) and train\.log:395 shows evaluation after step 200/);
});
