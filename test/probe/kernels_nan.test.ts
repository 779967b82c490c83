// NaN survives the wasm backend's clamps as it does in torch: real arithmetic's NaN (sign bit set) used to become 0.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { selectBackend } from '../../src/probe/worker/backend';

const nanCount = (t: tf.Tensor): number => Array.from(t.dataSync()).filter(Number.isNaN).length;

test('on wasm, relu, relu6 and clipByValue keep NaN made by arithmetic (inf - inf) and by literals, and clamp the rest', async () => {
  await selectBackend('wasm');
  tf.tidy(() => {
    const inf = tf.fill([4, 64, 4, 4], Infinity);
    const computed = tf.sub(inf, inf);
    const literal = tf.fill([4, 64, 4, 4], NaN);
    for (const x of [computed, literal]) {
      assert.equal(nanCount(tf.relu(x)), x.size);
      assert.equal(nanCount(tf.relu6(x)), x.size);
      assert.equal(nanCount(tf.clipByValue(x, -1, 1)), x.size);
    }
    const finite = tf.tensor1d([-3, -0.5, 0, 0.5, 3, 7, Infinity, -Infinity]);
    assert.deepEqual(Array.from(tf.relu(finite).dataSync()), [0, 0, 0, 0.5, 3, 7, Infinity, 0]);
    assert.deepEqual(Array.from(tf.relu6(finite).dataSync()), [0, 0, 0, 0.5, 3, 6, 6, 0]);
    assert.deepEqual(Array.from(tf.clipByValue(finite, -1, 1).dataSync()), [-1, -0.5, 0, 0.5, 1, 1, 1, -1]);
    // Their gradients are tfjs-core's (a step on the input), unchanged.
    assert.deepEqual(Array.from(tf.grad((v: tf.Tensor) => tf.sum(tf.relu(v)))(finite).dataSync()), [0, 0, 0, 1, 1, 1, 1, 0]);
  });
});
