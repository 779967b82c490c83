import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyze } from '../../src/engine/diagnose.ts';
import { applyEdits, expectOne, fixture, fixtureText, run, expectOnly16BitSuspects } from './helpers.ts';

const HALF = 'keras/train_mnist_float16.py';
const MIXED = 'keras/train_mnist_mixed.py';

test("Keras: the 'float16' policy keeps variables in fp16, so Adam(epsilon=1e-8) is 0", async () => {
  const d = analyze([run({ line: 9, step: 2, metric: 'loss' })], [await fixture(HALF)]);
  const eps = expectOne(d, 'optimizer-epsilon', 'error', HALF, 13);
  assert.match(eps.message, /epsilon 1e-8 rounds to 0 in fp16/);
  assert.equal(applyEdits(fixtureText(HALF), eps.fixes[0].edits).split('\n')[12], 'optimizer = keras.optimizers.Adam(learning_rate=1e-3, epsilon=1e-6, clipnorm=1.0)');
  const p = expectOne(d, 'precision', 'error', HALF, 4);
  assert.equal(applyEdits(fixtureText(HALF), p.fixes[0].edits).split('\n')[3], 'mixed_precision.set_global_policy("mixed_float16")');
  expectOne(d, 'gradient-clipping', 'information', HALF, 13);
});

test("Keras: 'mixed_float16' keeps fp32 variables, so the same epsilon is cleared", async () => {
  const d = analyze([run({ line: 9, step: 2, metric: 'loss' })], [await fixture(MIXED)]);
  // nothing but the mixed_float16 policy, the usual suspect of a 16-bit run
  expectOnly16BitSuspects(d, `${MIXED}:4`);
  expectOne(d, 'optimizer-epsilon', 'information', MIXED, 13);
});
