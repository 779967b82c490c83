import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseValidation, resolveSettings, validatesAfter } from '../../src/probe/spec';
import { createReplay } from '../../src/probe/replay/replay';

test('settings take PyTorch defaults and the spellings configs use', () => {
  const s = resolveSettings({}, 5);
  assert.equal(s.optimizer, 'adamw');
  assert.equal(s.weightDecay, 0.01); // torch.optim.AdamW's default
  assert.equal(s.epsilon, 1e-8);
  assert.equal(s.weightDtype, 'fp32');
  assert.equal(s.maxGradNorm, null);
  const hallo = resolveSettings({ learning_rate: '1.0e-5', adam_weight_decay: 0.02, weight_dtype: 'fp16', mixed_precision: 'no', max_grad_norm: 1.0, optimizer: 'torch.optim.AdamW' }, 5);
  assert.equal(hallo.learningRate, 1e-5);
  assert.equal(hallo.weightDecay, 0.02);
  assert.equal(hallo.weightDtype, 'fp16');
  assert.equal(hallo.mixedPrecision, 'fp32');
  assert.equal(hallo.maxGradNorm, 1);
  assert.equal(resolveSettings({ optimizer: 'sgd' }, 5).weightDecay, 0);
  assert.equal(resolveSettings({ max_grad_norm: 0 }, 5).maxGradNorm, null);
});

test('validation policies: after step 1, every N, or none', () => {
  assert.equal(parseValidation(undefined), 'none');
  assert.equal(parseValidation('500'), 500);
  assert.throws(() => parseValidation('sometimes'), /validation must be/);
  assert.deepEqual([1, 2, 3, 4].map((i) => validatesAfter('after-step-1', i)), [true, false, false, false]);
  assert.deepEqual([1, 2, 3, 4].map((i) => validatesAfter(2, i)), [false, true, false, true]);
  assert.deepEqual([1, 2].map((i) => validatesAfter('no-step-1', i)), [false, false]);
});

test('probes do not change the training: probed and unprobed replays follow the same losses', async () => {
  const spec = { model: 'builtin:mlp', hyperparameters: { optimizer: 'adam', learning_rate: 0.01, adam_epsilon: 1e-3, weight_dtype: 'fp16', max_grad_norm: 0.5 }, backend: 'cpu' as const };
  const a = await createReplay(spec, { probes: true });
  const b = await createReplay(spec, { probes: false });
  try {
    for (let i = 0; i < 4; i++) {
      await a.step();
      await b.step();
      assert.ok(Number.isFinite(a.loss!));
      assert.equal(a.loss, b.loss, `iteration ${i + 1}`);
    }
  } finally {
    a.dispose();
    b.dispose();
  }
});
