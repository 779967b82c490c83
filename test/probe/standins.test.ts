// Stand-in models: a seeded network per task family, run with the run's own hyperparameters; the seed case shows on each.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runProbe } from '../../src/probe/run';
import { standInFor } from '../../src/probe/models/standin-names';

const seedCase = { learning_rate: 1e-5, adam_epsilon: 1e-8, weight_decay: 1e-2, weight_dtype: 'fp16', mixed_precision: 'no', optimizer: 'adamw' };

test('each task family has its stand-in', () => {
  assert.equal(standInFor('vision'), 'builtin:standin-conv');
  assert.equal(standInFor('language'), 'builtin:standin-transformer');
  assert.equal(standInFor('other'), 'builtin:standin-mlp');
});

for (const family of ['vision', 'language', 'other'] as const) {
  const model = standInFor(family);
  test(`${model}: fp16 weights with AdamW eps 1e-8 write inf/NaN into a weight in the iteration-1 update and go non-finite in iteration 2; eps 1e-6 or fp32 weights stay finite`, async () => {
    const base = await runProbe({ model, hyperparameters: seedCase, iterations: 5, backend: 'wasm' });
    assert.equal(base.standIn, true);
    assert.equal(base.origin?.iteration, 1);
    assert.equal(base.origin?.phase, 'update');
    assert.equal(base.firstNonFinite?.iteration, 2);
    assert.equal(typeof base.losses![0], 'number');
    assert.equal(base.losses![1], 'nan');
    for (const fix of [{ adam_epsilon: 1e-6 }, { weight_dtype: 'fp32' }, { weight_dtype: 'fp32', mixed_precision: 'fp16' }]) {
      const r = await runProbe({ model, hyperparameters: { ...seedCase, ...fix }, iterations: 5, backend: 'wasm' });
      assert.equal(r.origin, null, JSON.stringify(fix));
      assert.equal(r.standIn, true);
    }
  });
}

test('a stand-in runs with whatever the run used: SGD with momentum, clipping, warmup, fp16 autocast with loss scaling', async () => {
  const r = await runProbe({
    model: 'builtin:standin-transformer',
    hyperparameters: { optimizer: 'sgd', learning_rate: 0.1, momentum: 0.9, max_grad_norm: 1, warmup_steps: 2, mixed_precision: 'fp16', weight_dtype: 'fp32', loss_scale: 'dynamic' },
    iterations: 4,
    backend: 'wasm',
  });
  assert.equal(r.firstNonFinite, null);
  assert.ok(r.stats!.some((s) => s.phase === 'clip'));
  const losses = r.losses as number[];
  assert.ok(losses[3]! < losses[0]!, `the loss goes down: ${losses.join(', ')}`);
});
