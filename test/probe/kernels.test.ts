// The wasm gradient kernels against the CPU backend's, on seeded random inputs over a grid of attributes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import {
  backend_util,
  Conv2DBackpropFilter,
  DepthwiseConv2dNative,
  DepthwiseConv2dNativeBackpropFilter,
  DepthwiseConv2dNativeBackpropInput,
  UnsortedSegmentSum,
  type NamedAttrMap,
} from '@tensorflow/tfjs-core';
import { selectBackend } from '../../src/probe/worker/backend';
import { columnBudget } from '../../src/probe/worker/kernels/conv2d_backprop_filter';

type Shape4 = [number, number, number, number];
type Pad = 'same' | 'valid' | number | backend_util.ExplicitPadding;
type Input = { shape: number[]; values: Float32Array | Int32Array; dtype?: 'float32' | 'int32' };

/** A seeded generator (mulberry32), so every run sees the same inputs. */
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

function randomInput(shape: number[], seed: number): Input {
  const next = random(seed);
  const values = new Float32Array(shape.reduce((a, b) => a * b, 1)).map(() => next() * 2 - 1);
  return { shape, values };
}

async function runOn(backend: 'cpu' | 'wasm', kernel: string, inputs: Record<string, Input>, attrs: object): Promise<{ shape: number[]; values: number[] }> {
  assert.equal((await selectBackend(backend)).name, backend);
  const tensors: Record<string, tf.Tensor> = {};
  for (const [name, input] of Object.entries(inputs)) tensors[name] = tf.tensor(input.values, input.shape, input.dtype ?? 'float32');
  const out = tf.engine().runKernel(kernel, tensors, attrs as NamedAttrMap) as tf.Tensor;
  const result = { shape: out.shape, values: Array.from(out.dataSync()) };
  tf.dispose([out, ...Object.values(tensors)]);
  return result;
}

/** Each element within 1e-4 of the reference, relative to its size or to the output's typical size. */
function assertClose(actual: number[], expected: number[], label: string): void {
  assert.equal(actual.length, expected.length, `${label}: length`);
  const rms = Math.sqrt(expected.reduce((s, v) => s + v * v, 0) / Math.max(1, expected.length));
  assert.ok(rms > 0, `${label}: the reference is all zeros, so the case tests nothing`);
  for (let i = 0; i < expected.length; i++) {
    const tolerance = 1e-4 * Math.max(Math.abs(expected[i]), rms);
    if (!(Math.abs(actual[i] - expected[i]) <= tolerance)) {
      assert.fail(`${label}: element ${i} is ${actual[i]}, the CPU backend gives ${expected[i]}`);
    }
  }
}

async function compareWithCpu(kernel: string, inputs: Record<string, Input>, attrs: object, label: string): Promise<void> {
  const cpu = await runOn('cpu', kernel, inputs, attrs);
  const wasm = await runOn('wasm', kernel, inputs, attrs);
  assert.deepEqual(wasm.shape, cpu.shape, `${label}: shape`);
  assertClose(wasm.values, cpu.values, label);
}

function outShape(x: Shape4, filter: Shape4, strides: number | [number, number], pad: Pad, depthwise: boolean, dilations: number | [number, number] = 1, rounding?: 'floor' | 'ceil' | 'round', nchw = false): number[] {
  const format = nchw ? 'channelsFirst' : 'channelsLast';
  return backend_util.computeConv2DInfo(x, filter, strides, dilations, pad, rounding, depthwise, format).outShape;
}

interface ConvCase {
  x: Shape4;
  filter: Shape4;
  strides: number | [number, number];
  pad: Pad;
  dimRoundingMode?: 'floor' | 'ceil' | 'round';
  nchw?: boolean;
}

const conv2dCases: ConvCase[] = [
  { x: [1, 5, 5, 1], filter: [3, 3, 1, 1], strides: 1, pad: 'valid' },
  { x: [2, 7, 6, 3], filter: [3, 3, 3, 4], strides: 1, pad: 'same' },
  { x: [2, 7, 6, 3], filter: [3, 3, 3, 4], strides: 2, pad: 'same' },
  { x: [3, 8, 5, 2], filter: [2, 3, 2, 5], strides: 2, pad: 'valid' },
  { x: [2, 9, 7, 4], filter: [5, 3, 4, 2], strides: [2, 1], pad: 'same' },
  { x: [2, 6, 6, 3], filter: [3, 3, 3, 2], strides: 1, pad: 1 },
  { x: [2, 7, 7, 2], filter: [3, 3, 2, 3], strides: 2, pad: 1, dimRoundingMode: 'floor' },
  { x: [2, 7, 7, 2], filter: [2, 2, 2, 3], strides: 2, pad: 0, dimRoundingMode: 'ceil' },
  { x: [1, 6, 8, 2], filter: [3, 2, 2, 3], strides: 1, pad: [[0, 0], [2, 0], [1, 1], [0, 0]] },
  { x: [2, 3, 6, 5], filter: [3, 3, 3, 2], strides: 2, pad: 'same', nchw: true },
  { x: [1, 2, 7, 6], filter: [2, 3, 2, 4], strides: 1, pad: 'valid', nchw: true },
  { x: [4, 16, 16, 8], filter: [3, 3, 8, 16], strides: 1, pad: 'same' },
];

test('Conv2DBackpropFilter on wasm matches the CPU backend', async () => {
  for (const [i, c] of conv2dCases.entries()) {
    const dy = outShape(c.x, c.filter, c.strides, c.pad, false, 1, c.dimRoundingMode, c.nchw);
    const inputs = { x: randomInput(c.x, 10 + i), dy: randomInput(dy, 100 + i) };
    const attrs = { strides: c.strides, pad: c.pad, dataFormat: c.nchw ? 'NCHW' : 'NHWC', dimRoundingMode: c.dimRoundingMode, filterShape: c.filter };
    await compareWithCpu(Conv2DBackpropFilter, inputs, attrs, `conv2d case ${i} ${JSON.stringify(c)}`);
  }
});

test('Conv2DBackpropFilter on wasm splits a large batch into passes and still matches', async () => {
  const saved = columnBudget.floats;
  columnBudget.floats = 600; // forces one or two images per pass on these shapes
  try {
    for (const i of [2, 3, 6, 9, 11]) {
      const c = conv2dCases[i];
      const dy = outShape(c.x, c.filter, c.strides, c.pad, false, 1, c.dimRoundingMode, c.nchw);
      const inputs = { x: randomInput(c.x, 10 + i), dy: randomInput(dy, 100 + i) };
      const attrs = { strides: c.strides, pad: c.pad, dataFormat: c.nchw ? 'NCHW' : 'NHWC', dimRoundingMode: c.dimRoundingMode, filterShape: c.filter };
      await compareWithCpu(Conv2DBackpropFilter, inputs, attrs, `split conv2d case ${i}`);
    }
  } finally {
    columnBudget.floats = saved;
  }
});

interface DepthwiseCase extends ConvCase {
  dilations?: number | [number, number];
}

const depthwiseCases: DepthwiseCase[] = [
  { x: [1, 5, 5, 1], filter: [3, 3, 1, 1], strides: 1, pad: 'valid' },
  { x: [2, 7, 6, 3], filter: [3, 3, 3, 1], strides: 1, pad: 'same' },
  { x: [2, 7, 6, 3], filter: [3, 3, 3, 2], strides: 2, pad: 'same' },
  { x: [3, 8, 5, 2], filter: [2, 3, 2, 3], strides: 2, pad: 'valid' },
  { x: [2, 9, 7, 4], filter: [5, 3, 4, 2], strides: [1, 2], pad: 'same' },
  { x: [2, 6, 6, 3], filter: [3, 3, 3, 2], strides: 1, pad: 1 },
  { x: [2, 7, 7, 2], filter: [3, 3, 2, 1], strides: 2, pad: 1, dimRoundingMode: 'floor' },
  { x: [1, 6, 8, 2], filter: [3, 2, 2, 2], strides: 1, pad: [[0, 0], [2, 0], [1, 1], [0, 0]] },
];

test('DepthwiseConv2dNativeBackpropFilter and BackpropInput on wasm match the CPU backend', async () => {
  for (const [i, c] of depthwiseCases.entries()) {
    const dy = outShape(c.x, c.filter, c.strides, c.pad, true, 1, c.dimRoundingMode);
    const x = randomInput(c.x, 20 + i);
    const dyIn = randomInput(dy, 200 + i);
    const filter = randomInput(c.filter, 300 + i);
    const common = { strides: c.strides, dilations: 1, pad: c.pad, dimRoundingMode: c.dimRoundingMode };
    const label = `depthwise case ${i} ${JSON.stringify(c)}`;
    await compareWithCpu(DepthwiseConv2dNativeBackpropFilter, { x, dy: dyIn }, { ...common, filterShape: c.filter }, `${label} filter`);
    await compareWithCpu(DepthwiseConv2dNativeBackpropInput, { dy: dyIn, filter }, { ...common, inputShape: c.x }, `${label} input`);
  }
});

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

// The CPU backend's depthwise backprops ignore dilations, so dilated cases are checked against the
// forward op instead: for a linear map, <conv(x, w), dy> = <x, dX(dy, w)> = <w, dW(x, dy)>.
test('dilated depthwise backprops on wasm are the adjoints of the forward convolution', async () => {
  const cases: DepthwiseCase[] = [
    { x: [2, 9, 9, 3], filter: [3, 3, 3, 2], strides: 1, pad: 'same', dilations: 2 },
    { x: [1, 10, 8, 2], filter: [3, 2, 2, 1], strides: 1, pad: 'valid', dilations: [2, 3] },
    { x: [2, 8, 8, 2], filter: [2, 2, 2, 3], strides: 1, pad: 2, dilations: 3 },
  ];
  for (const [i, c] of cases.entries()) {
    const dyShape = outShape(c.x, c.filter, c.strides, c.pad, true, c.dilations);
    const x = randomInput(c.x, 40 + i);
    const w = randomInput(c.filter, 400 + i);
    const dy = randomInput(dyShape, 500 + i);
    const common = { strides: c.strides, dilations: c.dilations, pad: c.pad };
    const forward = await runOn('wasm', DepthwiseConv2dNative, { x, filter: w }, { ...common, dataFormat: 'NHWC' });
    assert.deepEqual(forward.shape, dyShape);
    const dx = await runOn('wasm', DepthwiseConv2dNativeBackpropInput, { dy, filter: w }, { ...common, inputShape: c.x });
    const dw = await runOn('wasm', DepthwiseConv2dNativeBackpropFilter, { x, dy }, { ...common, filterShape: c.filter });
    const reference = dot(forward.values, dy.values);
    const scale = Math.sqrt(dot(forward.values, forward.values) * dot(dy.values, dy.values));
    assert.ok(Math.abs(dot(x.values, dx.values) - reference) <= 1e-4 * scale, `case ${i}: input gradient is not the adjoint`);
    assert.ok(Math.abs(dot(w.values, dw.values) - reference) <= 1e-4 * scale, `case ${i}: filter gradient is not the adjoint`);
  }
});

test('UnsortedSegmentSum on wasm matches the CPU backend, dropping out-of-range ids', async () => {
  const ids = (values: number[]): Input => ({ shape: [values.length], values: Int32Array.from(values), dtype: 'int32' });
  const cases: Array<[Input, Input, number]> = [
    [randomInput([6, 3], 1), ids([0, 2, 0, 4, 2, 2]), 5],
    [randomInput([5], 2), ids([1, 1, 1, 0, 3]), 4],
    [randomInput([6, 3, 4], 3), ids([2, 0, 1, 2, 2, 6]), 7],
    [randomInput([4, 2], 4), ids([-1, 1, 3, 1]), 3],
    [randomInput([40, 16], 5), ids(Array.from({ length: 40 }, (_, i) => (i * 7) % 11)), 11],
  ];
  for (const [i, [x, segmentIds, numSegments]] of cases.entries()) {
    await compareWithCpu(UnsortedSegmentSum, { x, segmentIds }, { numSegments }, `segment case ${i}`);
  }
  const wasm = await runOn('wasm', UnsortedSegmentSum, { x: { shape: [3], values: Int32Array.from([4, 5, 6]), dtype: 'int32' }, segmentIds: ids([1, 0, 1]) }, { numSegments: 2 });
  assert.deepEqual(wasm.values, [5, 10]);
});
