import { test } from 'node:test';
import assert from 'node:assert/strict';
import { locate } from '../../src/engine/config/index';
import { assertAt, fixture, lineOf, slice, value } from './helpers';

test('toml: tables, comments, arrays, inline tables, quoted keys and arrays of tables', async () => {
  const text = fixture('toml/train.toml');
  const f = await locate('train.toml', text);
  assert.equal(f.language, 'toml');
  assert.equal(f.error, undefined);
  const lr = value(f, 'optimizer.lr');
  assertAt(text, lr, '3e-4', lineOf(text, 'lr = 3e-4'));
  assert.equal(lr.value, 3e-4);
  assert.equal(slice(text, lr.keyRange!), 'lr = 3e-4');
  assertAt(text, value(f, 'optimizer.eps'), '1e-8', lineOf(text, 'eps ='));
  assertAt(text, value(f, 'optimizer.betas[1]'), '0.95', lineOf(text, 'betas'));
  assertAt(text, value(f, 'training.mixed_precision'), '"bf16"', lineOf(text, 'mixed_precision'));
  assert.equal(value(f, 'training.mixed_precision').value, 'bf16');
  assertAt(text, value(f, 'training.warmup_steps'), '2_000', lineOf(text, 'warmup_steps'));
  assert.equal(value(f, 'training.warmup_steps').value, 2000);
  assertAt(text, value(f, 'training.schedule.min_lr'), '3e-5', lineOf(text, 'min_lr'));
  assert.equal(value(f, 'training.eval every').value, 250);
  assertAt(text, value(f, 'stages[1].name'), "'main'", lineOf(text, "'main'"));
  assert.equal(value(f, 'stages[0].steps').value, 1000);
  assert.equal(value(f, 'stages[1].steps').value, 9000);
});

test('toml: a malformed file gives a clear error and the other keys are still found', async () => {
  const text = '[optimizer]\nlr = 1e-3\neps = = 1e-8\n\n[training]\nmax_grad_norm = 1.0\n';
  const f = await locate('bad.toml', text);
  assert.match(f.error ?? '', /^invalid TOML in bad\.toml: line 3: /);
  assertAt(text, value(f, 'optimizer.lr'), '1e-3', 1);
  assertAt(text, value(f, 'training.max_grad_norm'), '1.0', 5);
});
