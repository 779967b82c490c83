import { test } from 'node:test';
import assert from 'node:assert/strict';
import { locate } from '../../src/engine/config/index';
import { assertAt, fixture, lineOf, slice, value } from './helpers';

test('json: HF TrainingArguments JSON', async () => {
  const text = fixture('hf/training_args.json');
  const f = await locate('training_args.json', text);
  assert.equal(f.language, 'json');
  assert.equal(f.error, undefined);
  const eps = value(f, 'adam_epsilon');
  assertAt(text, eps, '1e-08', lineOf(text, '"adam_epsilon"'));
  assert.equal(eps.value, 1e-8);
  assert.equal(slice(text, eps.keyRange!), '"adam_epsilon": 1e-08');
  assertAt(text, value(f, 'learning_rate'), '5e-05', lineOf(text, '"learning_rate"'));
  assert.equal(value(f, 'fp16').value, true);
  assertAt(text, value(f, 'eval_strategy'), '"steps"', lineOf(text, '"eval_strategy"'));
  assert.equal(value(f, 'eval_strategy').value, 'steps');
  assert.equal(value(f, 'report_to[0]').value, 'tensorboard');
});

test('json: DeepSpeed config with comments and trailing commas (JSONC)', async () => {
  const text = fixture('deepspeed/ds_config_zero2.json');
  const f = await locate('ds_config.json', text);
  assert.equal(f.error, undefined);
  assertAt(text, value(f, 'fp16.enabled'), 'true', lineOf(text, '"enabled"'));
  assertAt(text, value(f, 'fp16.initial_scale_power'), '16', lineOf(text, '"initial_scale_power"'));
  assertAt(text, value(f, 'fp16.min_loss_scale'), '1', lineOf(text, '"min_loss_scale"'));
  assertAt(text, value(f, 'optimizer.type'), '"AdamW"', lineOf(text, '"type": "AdamW"'));
  assertAt(text, value(f, 'optimizer.params.lr'), '3e-5', lineOf(text, '"lr"'));
  assertAt(text, value(f, 'optimizer.params.eps'), '1e-8', lineOf(text, '"eps"'));
  assertAt(text, value(f, 'optimizer.params.betas[1]'), '0.999', lineOf(text, '"betas"'));
  assertAt(text, value(f, 'gradient_clipping'), '1.0', lineOf(text, '"gradient_clipping"'));
  assertAt(text, value(f, 'scheduler.params.warmup_num_steps'), '500', lineOf(text, '"warmup_num_steps"'));
  assert.equal(value(f, 'train_batch_size').value, 'auto');
});

test('json: trainer_state.json is training output, not a config', async () => {
  const text = JSON.stringify({ best_metric: null, global_step: 20, log_history: [{ loss: 2.1, learning_rate: 5e-5, step: 10 }] }, null, 2);
  const byName = await locate('out/checkpoint-20/trainer_state.json', text);
  assert.deepEqual(byName.values, []);
  assert.equal(byName.error, undefined);
  const byContent = await locate('state.json', text);
  assert.deepEqual(byContent.values, []);
});

test('json: malformed JSON names the file and line, and keeps the values it could read', async () => {
  const text = '{\n  "learning_rate": 1e-3,\n  "adam_epsilon": 1e-8\n  "fp16": true\n}\n';
  const f = await locate('args.json', text);
  assert.match(f.error ?? '', /^invalid JSON in args\.json: line 4: comma expected/);
  assertAt(text, value(f, 'learning_rate'), '1e-3', 1);
  assertAt(text, value(f, 'adam_epsilon'), '1e-8', 2);
});

test('json: a key written twice is located at its last value, the one JSON.parse uses', async () => {
  const text = '{\n  "lr": 1e-3,\n  "lr": 1e-4\n}\n';
  const f = await locate('dup.json', text);
  assertAt(text, value(f, 'lr'), '1e-4', 2);
});
