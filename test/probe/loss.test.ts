import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { computeLoss } from '../../src/probe/replay/loss';

test('mse is the mean squared difference', async () => {
  await tf.setBackend('cpu');
  const l = computeLoss('mse', tf.tensor2d([[1, 2], [3, 4]]), tf.tensor2d([[0, 2], [3, 2]]));
  assert.equal(l.dataSync()[0], (1 + 0 + 0 + 4) / 4);
});

test('cross-entropy from logits and from softmax probabilities agree with -mean log p(target)', async () => {
  await tf.setBackend('cpu');
  const logits = [[2, 0, -1], [0.5, 0.5, 3]];
  const target = tf.tensor2d([[1, 0, 0], [0, 0, 1]]);
  const logp = (row: number[], k: number) => row[k] - Math.log(row.reduce((s, v) => s + Math.exp(v), 0));
  const want = -(logp(logits[0], 0) + logp(logits[1], 2)) / 2;
  const fromLogits = computeLoss('cross-entropy', tf.tensor2d(logits), target).dataSync()[0];
  assert.ok(Math.abs(fromLogits - want) < 1e-6, `${fromLogits} vs ${want}`);
  const probs = tf.softmax(tf.tensor2d(logits));
  const fromProbs = computeLoss('cross-entropy', probs, target, true).dataSync()[0];
  assert.ok(Math.abs(fromProbs - want) < 1e-6, `${fromProbs} vs ${want}`);
});
