// The rules that need no framework file: the log line, data, initialization, loss function, edits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { locate } from '../../src/engine/config/index.ts';
import { analyze } from '../../src/engine/diagnose.ts';
import { formatLike } from '../../src/engine/rules/helpers/edits.ts';
import { byCode, expectOne, run } from './helpers.ts';

test('first-nonfinite sits on the log line and names what came just before', () => {
  const d = analyze([run({ line: 30, step: 2, metric: 'step_loss', before: [{ line: 17, step: 1, event: 'validation' }] })], []);
  const first = expectOne(d, 'first-nonfinite', 'error', 'logs/train.log', 30);
  assert.match(first.message, /step_loss is nan at step 2; just before it: validation after step 1 \(line 17\)/);
  assert.deepEqual(first.related, [{ file: 'logs/train.log', line: 17, message: 'validation after step 1' }]);
});

test('data: NaN at the first step, before any update, points at the data setting and clears the optimizer', async () => {
  const cfg = await locate('train.yaml', 'data:\n  train_file: data/train.jsonl\noptimizer:\n  lr: 1.0e-4\n');
  const d = analyze([run({ line: 12, step: 1, metric: 'loss' })], [cfg]);
  const data = expectOne(d, 'data', 'warning', 'train.yaml', 2);
  assert.match(data.message, /first forward pass, before any optimizer update/);
  // no update has happened, so a high-ish lr is not implicated as an error
  assert.equal(byCode(d, 'learning-rate').filter((x) => x.severity === 'error').length, 0);
});

test('data: a NaN after many steps is not blamed on the data', async () => {
  const cfg = await locate('train.yaml', 'data:\n  train_file: data/train.jsonl\n');
  assert.equal(byCode(analyze([run({ step: 900 })], [cfg]), 'data').length, 0);
});

test('initialization: initializer_range 1.0 with a first-step NaN is an error; 0.02 is not flagged', async () => {
  const big = await locate('config.json', '{ "initializer_range": 1.0, "hidden_size": 768 }\n');
  expectOne(analyze([run({ line: 5, step: 1 })], [big]), 'initialization', 'error', 'config.json', 1);
  const ok = await locate('config.json', '{ "initializer_range": 0.02 }\n');
  assert.equal(byCode(analyze([run({ line: 5, step: 1 })], [ok]), 'initialization').length, 0);
});

test('loss-function: min-SNR weighting with zero terminal SNR and epsilon prediction divides by 0; v-prediction is cleared', async () => {
  const eps = await locate('train.yaml', 'snr_gamma: 5.0\nenable_zero_snr: true\nprediction_type: epsilon\n');
  const l = expectOne(analyze([run({ step: 311 })], [eps]), 'loss-function', 'error', 'train.yaml', 1);
  assert.match(l.message, /0\/0 is NaN/);
  const v = await locate('train.yaml', 'snr_gamma: 5.0\nenable_zero_snr: true\nprediction_type: v_prediction\n');
  assert.equal(byCode(analyze([run({ step: 311 })], [v]), 'loss-function').length, 0);
});

test('warmup: a 1e-3 Adam lr with lr_warmup_steps 0 and an early NaN is an error with a 500-step fix', async () => {
  const cfg = await locate('train.yaml', 'learning_rate: 1.0e-3\nlr_warmup_steps: 0\n');
  const w = expectOne(analyze([run({ step: 7 })], [cfg]), 'warmup', 'error', 'train.yaml', 2);
  assert.equal(w.fixes[0].edits[0].newText, '500');
  assert.deepEqual(w.change, { warmup_steps: 500 });
});

test('numbers in fixes keep the spelling of the original', () => {
  assert.equal(formatLike('1.0e-8', 1e-6), '1.0e-6');
  assert.equal(formatLike('1e-8', 1e-6), '1e-6');
  assert.equal(formatLike('1E-8', 1e-6), '1E-6');
  assert.equal(formatLike('0.0', 1), '1.0');
  assert.equal(formatLike('0.01', 0.001), '0.001');
  assert.equal(formatLike('0', 500), '500');
});

test('optimizer-epsilon: plain fp32 training says nothing about 1e-8; fp16 AMP clears it in words', async () => {
  const fp32 = await locate('train.yaml', 'adam_epsilon: 1.0e-8\n');
  assert.equal(byCode(analyze([run({ step: 50 })], [fp32]), 'optimizer-epsilon').length, 0);
  const amp = await locate('train.yaml', 'adam_epsilon: 1.0e-8\nmixed_precision: fp16\n');
  const d = expectOne(analyze([run({ step: 50 })], [amp]), 'optimizer-epsilon', 'information', 'train.yaml', 1);
  assert.match(d.message, /cleared/);
});

test('learning-rate: a NaN while the log shows the run far below its configured lr (a warmup from 0) clears the setting; at the full lr it does not', async () => {
  const cfg = await locate('config.yaml', 'optimizer:\n  type: Adam\n  lr: 1.0e-2\n');
  const warming = { ...run({ line: 8, step: 1, metric: 'loss_rgb.rgb' }), finiteStepBefore: true, lrAtIncident: 0 };
  const lr = expectOne(analyze([warming], [cfg]), 'learning-rate', 'information', 'config.yaml', 3);
  assert.match(lr.message, /^lr 1\.0e-2 had not been reached: the log shows the run at lr 0 when it went non-finite \(loss_rgb\.rgb=nan at step 1\)/);
  expectOne(analyze([{ ...warming, lrAtIncident: 0.01 }], [cfg]), 'learning-rate', 'error', 'config.yaml', 3);
});
