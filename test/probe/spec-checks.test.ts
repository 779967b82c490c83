// What torch.optim refuses, the probe refuses; unknown setting names get the closest accepted name.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveSettings, usedHyperparameters } from '../../src/probe/spec';
import { closestSettingName, isProbeSettingName, unknownSettingMessage } from '../../src/probe/setting-names';
import { defaultCandidates, describeChange, resolvedBase } from '../../src/probe/verify/sweep';

test('values torch.optim raises ValueError for are refused in its words', () => {
  assert.throws(() => resolveSettings({ adam_beta2: 1 }, 5), /adam_beta2 = 1 .*torch\.optim\.AdamW.*Invalid beta parameter at index 1: 1/);
  assert.throws(() => resolveSettings({ adam_beta1: -0.1 }, 5), /Invalid beta parameter at index 0/);
  assert.throws(() => resolveSettings({ learning_rate: -1 }, 5), /learning_rate = -1 .*Invalid learning rate: -1/);
  assert.throws(() => resolveSettings({ adam_epsilon: -1e-8, optimizer: 'adam' }, 5), /torch\.optim\.Adam\b.*Invalid epsilon value/);
  assert.throws(() => resolveSettings({ weight_decay: -0.1 }, 5), /Invalid weight_decay value/);
  assert.throws(() => resolveSettings({ optimizer: 'sgd', momentum: -0.5 }, 5), /torch\.optim\.SGD.*Invalid momentum value/);
  // What torch accepts still goes: lr 0, beta2 0, eps 0, and SGD has no betas to check.
  assert.doesNotThrow(() => resolveSettings({ learning_rate: 0, adam_beta2: 0, adam_epsilon: 0 }, 5));
  assert.doesNotThrow(() => resolveSettings({ optimizer: 'sgd', adam_beta2: 1 }, 5));
});

test('an unknown setting name is named with the closest accepted name', () => {
  assert.equal(closestSettingName('learnin_rate'), 'learning_rate');
  assert.equal(closestSettingName('lr'), 'learning_rate');
  assert.equal(closestSettingName('eps'), 'adam_epsilon');
  assert.equal(closestSettingName('max-grad-norm'), 'max_grad_norm');
  assert.equal(closestSettingName('frobnication'), undefined);
  assert.ok(isProbeSettingName('adam_epsilon'));
  assert.ok(!isProbeSettingName('lr'));
  assert.match(unknownSettingMessage('lr'), /^unknown hyperparameter 'lr' \(did you mean learning_rate\?\); accepted: learning_rate, adam_epsilon/);
});

test('default candidates come from the resolved settings: a default learning rate gets its / 10 too', () => {
  const spec = { model: 'builtin:imageproj', hyperparameters: { weight_dtype: 'fp16', adam_epsilon: 1e-8 } };
  assert.equal(usedHyperparameters(resolveSettings(spec.hyperparameters, 5)).learning_rate, 1e-3);
  const ids = defaultCandidates(resolvedBase(spec)).map((c) => describeChange(c.change));
  assert.ok(ids.includes('learning_rate = 1e-4'), ids.join('; '));
  // SGD's default learning rate is 0.01.
  assert.ok(defaultCandidates(resolvedBase({ model: 'builtin:mlp', hyperparameters: { optimizer: 'sgd' } })).some((c) => c.change.learning_rate === 1e-3));
});
