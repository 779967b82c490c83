import { test } from 'node:test';
import assert from 'node:assert/strict';
import { locate } from '../../src/engine/config/index';
import { assertAt, fixture, slice, value } from './helpers';

test('yaml: a diffusion stage-1 config gives each value its exact range, comments and quotes outside it', async () => {
  const text = fixture('yaml/stage1.yaml');
  const f = await locate('configs/train/stage1.yaml', text);
  assert.equal(f.language, 'yaml');
  assert.equal(f.error, undefined);
  const eps = value(f, 'solver.adam_epsilon');
  assertAt(text, eps, '1.0e-8', 27);
  assert.equal(eps.value, 1e-8);
  assert.equal(eps.key, 'adam_epsilon');
  assert.equal(eps.source, 'yaml');
  assert.equal(slice(text, eps.keyRange!), 'adam_epsilon: 1.0e-8');
  assertAt(text, value(f, 'solver.mixed_precision'), '"no"', 11);
  assert.equal(value(f, 'solver.mixed_precision').value, 'no');
  assertAt(text, value(f, 'solver.learning_rate'), '1.0e-5', 17);
  assertAt(text, value(f, 'solver.max_grad_norm'), '1.0', 15);
  assertAt(text, value(f, 'solver.lr_scheduler'), "'constant'", 20);
  assertAt(text, value(f, 'val.validation_steps'), '1000', 30);
  assertAt(text, value(f, 'weight_dtype'), '"fp16"', 43);
  assertAt(text, value(f, 'data.meta_paths[0]'), '"./data/talking_heads_meta.json"', 5);
  assert.equal(value(f, 'solver.enable_xformers_memory_efficient_attention').value, true);
});

test('yaml: merge keys and aliases point at where the value is written; explicit keys win', async () => {
  const text = fixture('yaml/anchors.yaml');
  const f = await locate('anchors.yaml', text);
  assert.equal(f.error, undefined);
  assertAt(text, value(f, 'defaults.learning_rate'), '1.0e-4', 2);
  // stage1 overrides learning_rate but inherits adam_epsilon from the anchor.
  assertAt(text, value(f, 'stage1.learning_rate'), '1.0e-5', 8);
  assertAt(text, value(f, 'stage1.adam_epsilon'), '1.0e-8', 3);
  assert.equal(value(f, 'stage1.adam_epsilon').keyRange, undefined);
  assertAt(text, value(f, 'stage2.learning_rate'), '1.0e-4', 2);
  assertAt(text, value(f, 'stage2.betas[1]'), '0.999', 4);
  assertAt(text, value(f, 'stage2.eps_copy'), '1.0e-8', 3);
  // The second document of a multi-document file is read too.
  assertAt(text, value(f, 'second_document'), '2', 14);
});

test('yaml: accelerate config and Lightning CLI config in their real shapes', async () => {
  const acc = fixture('accelerate/default_config.yaml');
  const a = await locate('default_config.yaml', acc);
  assertAt(acc, value(a, 'mixed_precision'), 'fp16', 7);
  assert.equal(value(a, 'downcast_bf16').value, 'no');
  assert.equal(value(a, 'num_processes').value, 2);

  const lit = fixture('lightning/config.yaml');
  const l = await locate('config.yaml', lit);
  assertAt(lit, value(l, 'trainer.precision'), '16-mixed', 5);
  assertAt(lit, value(l, 'trainer.gradient_clip_val'), '0.5', 7);
  assertAt(lit, value(l, 'model.init_args.learning_rate'), '3.0e-4', 18);
  assertAt(lit, value(l, 'optimizer.init_args.eps'), '1.0e-08', 26);
  assertAt(lit, value(l, 'trainer.callbacks[0].init_args.logging_interval'), 'step', 14);
});

test('yaml: a malformed file gives a clear error with its line and still the values before it', async () => {
  const text = 'solver:\n  learning_rate: 1.0e-5\n  adam_epsilon: [1.0e-8\nval:\n  validation_steps: 1000\n';
  const f = await locate('bad.yaml', text);
  assert.match(f.error ?? '', /^invalid YAML in bad\.yaml: line \d+: /);
  assertAt(text, value(f, 'solver.learning_rate'), '1.0e-5', 1);
});

test('yaml: a key written twice is located at its last value, the one loaders use', async () => {
  const text = 'solver:\n  adam_epsilon: 1.0e-8\n  adam_epsilon: 1.0e-6\n';
  const f = await locate('dup.yaml', text);
  assertAt(text, value(f, 'solver.adam_epsilon'), '1.0e-6', 2);
});

test('yaml: an OmegaConf interpolation is located where the value it refers to is written', async () => {
  const text = 'solver:\n  learning_rate: 1.0e-5\noptimizer:\n  lr: ${solver.learning_rate}\n  eps: ${missing.key}\n';
  const f = await locate('hydra.yaml', text);
  const lr = value(f, 'optimizer.lr');
  assertAt(text, lr, '1.0e-5', 1);
  assert.equal(lr.value, 1e-5);
  assert.equal(lr.key, 'lr');
  assertAt(text, value(f, 'optimizer.eps'), '${missing.key}', 4);
});
