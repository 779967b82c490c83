// Which counterfactuals a model can express: the rest are "not testable", with the reason.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { untestableReason } from '../../src/probe/verify/expressible';
import { runSweep } from '../../src/probe/verify/sweep';

const seed = { learning_rate: 1e-5, adam_epsilon: 1e-8, weight_dtype: 'fp16', mixed_precision: 'no', optimizer: 'adamw', validation: 'after-step-1' };

test('a validation change is testable only where the validation pass touches the training modules (an in-place cast)', () => {
  const spec = { model: 'builtin:imageproj', hyperparameters: seed, iterations: 3 };
  assert.match(untestableReason(spec, { validation: 'no-step-1' }) ?? '', /validation pass only reads its weights/);
  const casting = { ...spec, hyperparameters: { ...seed, weight_dtype: 'fp32', validation_dtype: 'fp16' } };
  assert.equal(untestableReason(casting, { validation: 'no-step-1' }), undefined);
  // A change that adds the validation which casts is testable too.
  assert.equal(untestableReason({ ...spec, hyperparameters: { ...seed, weight_dtype: 'fp32', validation: 'none' } }, { validation: 'after-step-1', validation_dtype: 'fp16' }), undefined);
  assert.equal(untestableReason(spec, { adam_epsilon: 1e-6 }), undefined);
});

test('a stand-in expresses optimizer and precision changes only', () => {
  const spec = { model: 'builtin:standin-mlp', hyperparameters: seed };
  for (const change of [{ adam_epsilon: 1e-6 }, { weight_dtype: 'fp32', mixed_precision: 'fp16' }, { loss_scale: 'dynamic' }, { momentum: 0.9 }]) {
    assert.equal(untestableReason(spec, change), undefined, JSON.stringify(change));
  }
  // whether an lr, a warmup or a clipping norm is right depends on the user's model's gradients, which a stand-in does not have
  for (const change of [{ learning_rate: 1e-6 }, { max_grad_norm: 1 }, { warmup_steps: 100 }]) {
    assert.match(untestableReason(spec, change) ?? '', /not something a stand-in model represents/, JSON.stringify(change));
  }
  assert.match(untestableReason(spec, { validation: 'no-step-1' }) ?? '', /validation is not something a stand-in model represents/);
  assert.match(untestableReason(spec, { batch_size: 64 }) ?? '', /batch_size is not something a stand-in model represents/);
});

test('the sweep reports an untestable change as finite: null with the reason, without running it', async () => {
  const spawned: number[] = [];
  const { counterfactuals } = await runSweep({ model: 'builtin:imageproj', hyperparameters: seed, iterations: 2 }, [{ change: { validation: 'no-step-1' } }, { change: { adam_epsilon: 1e-6 } }], { parallel: 2, onSpawn: (pid) => spawned.push(pid) });
  assert.equal(counterfactuals[0]!.finite, null);
  assert.match(counterfactuals[0]!.untestable ?? '', /only reads its weights/);
  assert.equal(counterfactuals[1]!.finite, true);
  assert.equal(spawned.length, 2, 'the base and the epsilon run only');
});
