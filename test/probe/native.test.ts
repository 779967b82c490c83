// The whole seed probe on native TensorFlow (@tensorflow/tfjs-node) when it loads; skipped, saying why, when it does not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { selectBackend } from '../../src/probe/worker/backend';
import { runProbe } from '../../src/probe/run';

// The seed case as the README runs it: Hallo's image projection, fp16 weights, AdamW lr 1e-5, eps 1e-8, clipping at 1.
const seed = { learning_rate: 1e-5, adam_epsilon: 1e-8, weight_decay: 1e-2, weight_dtype: 'fp16', mixed_precision: 'no', optimizer: 'adamw', max_grad_norm: 1.0 };

test('the seed probe on the tensorflow backend: finite iteration 1, NaN in iteration 2 born in the iteration-1 update', async (t) => {
  const chosen = await selectBackend('tensorflow');
  if (chosen.name !== 'tensorflow') {
    t.skip(`@tensorflow/tfjs-node does not load here: ${chosen.reason}`);
    return;
  }
  const r = await runProbe({ model: 'builtin:imageproj', hyperparameters: seed, iterations: 5, backend: 'tensorflow' });
  assert.equal(r.backend, 'tensorflow');
  assert.deepEqual(r.firstNonFinite, { iteration: 2, layer: 'imageproj/dense', phase: 'forward' });
  assert.deepEqual(r.origin, { iteration: 1, layer: 'imageproj/dense', phase: 'update' });
  assert.equal(typeof r.losses![0], 'number');
});
