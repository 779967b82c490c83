// The wasm backend (with the registered gradient kernels) against the CPU backend on the same
// training step: a small conv net, and a 3-layer MLP for reference. Prints wasm / cpu ratios.
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { selectBackend } from '../src/probe/worker/backend';

const WARMUP = 2;
const STEPS = Number(process.env.BENCH_STEPS ?? 5);

interface Workload {
  name: string;
  build: () => tfl.LayersModel;
  inputShape: number[];
  classes: number;
}

const convNet: Workload = {
  name: 'conv',
  inputShape: [8, 24, 24, 3],
  classes: 10,
  build: () => {
    const m = tfl.sequential();
    m.add(tfl.layers.conv2d({ inputShape: [24, 24, 3], filters: 16, kernelSize: 3, padding: 'same', activation: 'relu' }));
    m.add(tfl.layers.maxPooling2d({ poolSize: 2 }));
    m.add(tfl.layers.conv2d({ filters: 32, kernelSize: 3, padding: 'same', activation: 'relu' }));
    m.add(tfl.layers.depthwiseConv2d({ kernelSize: 3, padding: 'same', activation: 'relu' }));
    m.add(tfl.layers.maxPooling2d({ poolSize: 2 }));
    m.add(tfl.layers.flatten());
    m.add(tfl.layers.dense({ units: 10 }));
    return m;
  },
};

const mlp: Workload = {
  name: 'mlp',
  inputShape: [64, 784],
  classes: 10,
  build: () => {
    const m = tfl.sequential();
    m.add(tfl.layers.dense({ inputShape: [784], units: 256, activation: 'relu' }));
    m.add(tfl.layers.dense({ units: 256, activation: 'relu' }));
    m.add(tfl.layers.dense({ units: 10 }));
    return m;
  },
};

/** Median milliseconds of one step: forward, backward and an SGD update. */
async function stepTime(backend: 'wasm' | 'cpu', w: Workload): Promise<number> {
  const chosen = await selectBackend(backend);
  if (chosen.name !== backend) throw new Error(`wanted ${backend}, got ${chosen.reason}`);
  const model = w.build();
  const x = tf.randomNormal(w.inputShape, 0, 1, 'float32', 7);
  const labels = tf.oneHot(tf.randomUniform([w.inputShape[0]], 0, w.classes, 'int32', 8), w.classes);
  const optimizer = tf.train.sgd(0.01);
  const step = () => {
    const loss = optimizer.minimize(() => tf.losses.softmaxCrossEntropy(labels, model.apply(x) as tf.Tensor), true);
    loss?.dataSync();
    loss?.dispose();
  };
  for (let i = 0; i < WARMUP; i++) step();
  const times: number[] = [];
  for (let i = 0; i < STEPS; i++) {
    const start = performance.now();
    step();
    times.push(performance.now() - start);
  }
  tf.dispose([x, labels]);
  model.dispose();
  optimizer.dispose();
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

async function main(): Promise<void> {
  for (const w of [convNet, mlp]) {
    const wasm = await stepTime('wasm', w);
    const cpu = await stepTime('cpu', w);
    console.log(`${w.name} step (batch ${w.inputShape[0]}): wasm ${wasm.toFixed(1)} ms, cpu ${cpu.toFixed(1)} ms`);
    console.log(`wasm ${w.name} step / cpu ${w.name} step = ${(wasm / cpu).toFixed(2)}`);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
