// A tiny conv net and a tiny embedding model take two SGD steps on wasm and on CPU from the same
// weights and batch; the updated weights must agree (the wasm side needs the registered kernels).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { selectBackend } from '../../src/probe/worker/backend';

/** A seeded generator (mulberry32), so both backends start from the same numbers. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function values(size: number, seed: number, scale: number): Float32Array {
  const next = random(seed);
  return new Float32Array(size).map(() => (next() * 2 - 1) * scale);
}

function convNet(): tfl.LayersModel {
  const model = tfl.sequential();
  model.add(tfl.layers.conv2d({ inputShape: [9, 8, 3], filters: 4, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' }));
  model.add(tfl.layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, padding: 'valid', activation: 'tanh' }));
  model.add(tfl.layers.conv2d({ filters: 3, kernelSize: [2, 1], padding: 'valid' }));
  model.add(tfl.layers.flatten());
  model.add(tfl.layers.dense({ units: 3, activation: 'softmax' }));
  return model;
}

function embeddingModel(): tfl.LayersModel {
  const model = tfl.sequential();
  model.add(tfl.layers.embedding({ inputDim: 12, outputDim: 5, inputLength: 6 }));
  model.add(tfl.layers.flatten());
  model.add(tfl.layers.dense({ units: 1 }));
  return model;
}

interface Case {
  build: () => tfl.LayersModel;
  loss: string;
  batch: () => [tf.Tensor, tf.Tensor];
}

const cases: Record<string, Case> = {
  'a conv net': {
    build: convNet,
    loss: 'categoricalCrossentropy',
    batch: () => [tf.tensor4d(values(4 * 9 * 8 * 3, 7, 1), [4, 9, 8, 3]), tf.oneHot(tf.tensor1d([0, 2, 1, 2], 'int32'), 3)],
  },
  'an embedding model': {
    build: embeddingModel,
    loss: 'meanSquaredError',
    // Token 3 repeats within and across rows, so its gradient is a real segment sum.
    batch: () => [tf.tensor2d([[3, 1, 3, 0, 11, 3], [5, 3, 7, 7, 2, 9], [3, 3, 10, 4, 6, 8]], [3, 6], 'int32'), tf.tensor2d([[1], [-2], [0.5]])],
  },
};

/** Builds the model on `backend` with seeded weights, takes two SGD steps, returns the weights before and after. */
async function trainTwoSteps(backend: 'cpu' | 'wasm', c: Case): Promise<{ before: Float32Array[]; after: Float32Array[] }> {
  assert.equal((await selectBackend(backend)).name, backend);
  const model = c.build();
  model.setWeights(model.getWeights().map((w, i) => tf.tensor(values(w.size, 1000 + i, 0.5), w.shape)));
  const before = model.getWeights().map((w) => w.dataSync() as Float32Array);
  model.compile({ optimizer: tf.train.sgd(0.5), loss: c.loss });
  const [x, y] = c.batch();
  for (let step = 0; step < 2; step++) await model.trainOnBatch(x, y);
  const after = model.getWeights().map((w) => Float32Array.from(w.dataSync()));
  tf.dispose([x, y]);
  model.dispose();
  return { before: before.map((w) => Float32Array.from(w)), after };
}

for (const [name, c] of Object.entries(cases)) {
  test(`${name} trains for two steps on wasm to the same weights as on CPU`, async () => {
    const cpu = await trainTwoSteps('cpu', c);
    const wasm = await trainTwoSteps('wasm', c);
    assert.equal(wasm.after.length, cpu.after.length);
    for (let i = 0; i < cpu.after.length; i++) {
      assert.deepEqual(wasm.before[i], cpu.before[i], `weight ${i} starts the same`);
      let moved = 0;
      for (let j = 0; j < cpu.after[i].length; j++) {
        const step = cpu.after[i][j] - cpu.before[i][j];
        moved = Math.max(moved, Math.abs(step));
        const tolerance = 1e-4 * Math.max(1, Math.abs(cpu.after[i][j]));
        assert.ok(Math.abs(wasm.after[i][j] - cpu.after[i][j]) <= tolerance, `weight ${i}[${j}]: wasm ${wasm.after[i][j]}, cpu ${cpu.after[i][j]}`);
      }
      assert.ok(moved > 1e-3, `weight ${i} barely moved (${moved}), so the comparison tests nothing`);
    }
  });
}
