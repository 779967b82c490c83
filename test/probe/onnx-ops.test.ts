// ONNX ops the exported fixtures do not reach, each against values worked out by hand from the ONNX spec.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { OPS } from '../../src/probe/models/onnx/ops/index';
import { opContext } from '../../src/probe/models/onnx/context';
import type { AttrValue } from '../../src/probe/models/onnx/decode';
import { selectBackend } from '../../src/probe/worker/backend';

function run(op: string, inputs: (tf.Tensor | undefined)[], attrs: Record<string, AttrValue> = {}, opset = 17): tf.Tensor[] {
  const node = { name: `/test/${op}`, opType: op, domain: '', inputs: inputs.map((_, i) => `in${i}`), outputs: ['out0', 'out1'], attrs };
  const hooks = { file: 'test.onnx', opset, training: true, isState: () => false, setState: () => undefined, random: () => 0.5, note: () => undefined };
  const out = OPS[op]!.run(inputs, opContext(node, hooks));
  return Array.isArray(out) ? out : [out];
}
const values = (t: tf.Tensor | undefined): number[] => Array.from(t!.dataSync());
const close = (a: number[], b: number[], tol = 1e-5) => assert.ok(a.length === b.length && a.every((v, i) => Math.abs(v - b[i]!) <= tol * Math.max(1, Math.abs(b[i]!))), `${a} vs ${b}`);
const ints = (v: number[]) => tf.tensor1d(v, 'int32');

test('element-wise: Sqrt, Exp, Log, Neg, Abs, Clip (bounds as inputs), Gelu exact and tanh, Equal, Cast, integer Div truncates', async () => {
  await selectBackend('wasm');
  const x = tf.tensor1d([-2, -0.5, 0.5, 4]);
  close(values(run('Abs', [x])[0]), [2, 0.5, 0.5, 4]);
  close(values(run('Neg', [x])[0]), [2, 0.5, -0.5, -4]);
  close(values(run('Sqrt', [tf.tensor1d([0, 4])])[0]), [0, 2]);
  close(values(run('Exp', [tf.tensor1d([0, 1])])[0]), [1, Math.E]);
  close(values(run('Log', [tf.tensor1d([1, Math.E])])[0]), [0, 1]);
  close(values(run('Clip', [x, tf.scalar(-1), tf.scalar(1)])[0]), [-1, -0.5, 0.5, 1]);
  assert.ok(Number.isNaN(values(run('Clip', [tf.tensor1d([NaN]), tf.scalar(0), tf.scalar(6)])[0])[0]!), 'Clip keeps NaN, as torch.clamp does');
  close(values(run('Gelu', [tf.tensor1d([1])])[0]), [0.8413447]);
  close(values(run('Gelu', [tf.tensor1d([1])], { approximate: 'tanh' })[0]), [0.8411920]);
  assert.deepEqual(values(run('Equal', [tf.tensor1d([1, 2]), tf.tensor1d([1, 3])])[0]), [1, 0]);
  const cast = run('Cast', [tf.tensor1d([-1.7, 2.7])], { to: 7 })[0]!;
  assert.deepEqual([cast.dtype, values(cast)], ['int32', [-1, 2]]);
  assert.deepEqual(values(run('Cast', [tf.tensor1d([1 / 3])], { to: 10 })[0]), [0.333251953125]);
  assert.deepEqual(values(run('Div', [ints([7, -7]), ints([2, 2])])[0]), [3, -3]);
});

test('shape ops: Range, Expand, ConstantOfShape, Squeeze and Unsqueeze by input, Slice with negative steps, Trilu upper with k, Gather with negative indices', () => {
  assert.deepEqual(values(run('Range', [tf.scalar(1, 'int32'), tf.scalar(7, 'int32'), tf.scalar(2, 'int32')])[0]), [1, 3, 5]);
  const expanded = run('Expand', [tf.tensor2d([[1], [2]]), tf.tensor1d([2, 3], 'int32')])[0]!;
  assert.deepEqual([expanded.shape, values(expanded)], [[2, 3], [1, 1, 1, 2, 2, 2]]);
  const filled = run('ConstantOfShape', [ints([2, 2])], { value: { dtype: 'float32', shape: [1], values: Float32Array.from([7]) } })[0]!;
  assert.deepEqual(values(filled), [7, 7, 7, 7]);
  assert.deepEqual(run('Squeeze', [tf.zeros([1, 3, 1]), ints([0, -1])])[0]!.shape, [3]);
  assert.deepEqual(run('Unsqueeze', [tf.zeros([3]), ints([0, 2])])[0]!.shape, [1, 3, 1]);
  const x = tf.tensor1d([0, 1, 2, 3, 4, 5]);
  assert.deepEqual(values(run('Slice', [x, ints([-1]), ints([-1000]), ints([0]), ints([-2])])[0]), [5, 3, 1]);
  assert.deepEqual(values(run('Slice', [x, ints([1]), ints([2 ** 31 - 1]), ints([0]), ints([2])])[0]), [1, 3, 5]);
  const m = tf.ones([3, 3]);
  assert.deepEqual(values(run('Trilu', [m, tf.scalar(1, 'int32')], { upper: 1 })[0]), [0, 1, 1, 0, 0, 1, 0, 0, 0]);
  assert.deepEqual(values(run('Gather', [tf.tensor1d([10, 20, 30]), ints([-1, 0])], { axis: 0 })[0]), [30, 10]);
  assert.throws(() => run('Gather', [tf.tensor1d([10, 20, 30]), ints([3])], { axis: 0 }), /test\.onnx: node \/test\/Gather \(Gather\): index 3 is out of range for an axis of 3/);
});

test('reductions: axes as an attribute before opset 18 and as an input from 18 (ReduceSum from 13), keepdims, noop_with_empty_axes', () => {
  const x = tf.tensor2d([[1, 2], [3, 4]]);
  assert.deepEqual(values(run('ReduceMean', [x], { axes: [1], keepdims: 0 }, 17)[0]), [1.5, 3.5]);
  assert.deepEqual(values(run('ReduceMean', [x, ints([0])], { keepdims: 0 }, 18)[0]), [2, 3]);
  assert.deepEqual(run('ReduceSum', [x, ints([1])], {}, 13)[0]!.shape, [2, 1]);
  assert.deepEqual(values(run('ReduceSum', [x], { keepdims: 0 }, 13)[0]), [10]);
  assert.deepEqual(values(run('ReduceSum', [x, ints([])], { noop_with_empty_axes: 1 }, 13)[0]), [1, 2, 3, 4]);
  assert.deepEqual(values(run('ReduceMax', [x], { axes: [0], keepdims: 0 }, 17)[0]), [3, 4]);
});

test('GroupNormalization (opset 18: scale and bias per group) and softmax along a middle axis', () => {
  // Two groups of two channels over one spatial value: each group normalizes to ±1 (eps 0), then group scale and bias.
  const x = tf.tensor3d([[[1], [3], [10], [20]]]);
  const y = run('GroupNormalization', [x, tf.tensor1d([2, 1]), tf.tensor1d([0, 5])], { num_groups: 2, epsilon: 0 }, 18)[0]!;
  close(values(y), [-2, 2, 4, 6]);
  const s = run('Softmax', [tf.tensor3d([[[0, 0], [Math.log(3), 0]]])], { axis: 1 })[0]!;
  close(values(s), [0.25, 0.5, 0.75, 0.5]);
});

test('ops user models export: GatherElements and OneHot with negative indices, CumSum exclusive/reverse, IsInf by sign, PRelu per channel, ReduceL2 past fp32 squares', async () => {
  await selectBackend('wasm');
  const data = tf.tensor2d([[1, 2, 3], [4, 5, 6]]);
  assert.deepEqual(values(run('GatherElements', [data, tf.tensor2d([[2], [-3]], [2, 1], 'int32')], { axis: 1 })[0]), [3, 4]);
  assert.deepEqual(values(run('GatherElements', [data, tf.tensor2d([[1, 0, 1]], [1, 3], 'int32')], { axis: 0 })[0]), [4, 2, 6]);
  // an inf the index does not pick stays out (a one-hot product would give 0 * inf = NaN)
  assert.deepEqual(values(run('GatherElements', [tf.tensor2d([[-Infinity, 2]]), tf.tensor2d([[1]], [1, 1], 'int32')], { axis: 1 })[0]), [2]);
  const hot = run('OneHot', [ints([0, -1]), tf.scalar(3, 'int32'), tf.tensor1d([0, 1], 'int32')], { axis: -1 })[0]!;
  assert.deepEqual([hot.shape, values(hot)], [[2, 3], [1, 0, 0, 0, 0, 1]]);
  assert.deepEqual(run('OneHot', [ints([0, 2]), tf.scalar(3, 'int32'), tf.tensor1d([0, 1])], { axis: 0 })[0]!.shape, [3, 2]);
  const x = tf.tensor1d([1, 2, 3]);
  assert.deepEqual(values(run('CumSum', [x, tf.scalar(0, 'int32')])[0]), [1, 3, 6]);
  assert.deepEqual(values(run('CumSum', [x, tf.scalar(0, 'int32')], { exclusive: 1, reverse: 1 })[0]), [5, 3, 0]);
  const inf = tf.tensor1d([-Infinity, Infinity, NaN, 1]);
  assert.deepEqual(values(run('IsInf', [inf], { detect_negative: 0 })[0]), [0, 1, 0, 0]);
  assert.deepEqual(values(run('IsNaN', [inf])[0]), [0, 0, 1, 0]);
  close(values(run('PRelu', [tf.tensor2d([[-2, 3], [-1, -4]]), tf.tensor1d([0.5, 0.25])])[0]), [-1, 3, -0.5, -1]);
  close(values(run('Selu', [tf.tensor1d([1, -1])])[0]), [1.0507009873554805, -1.1113307378125625]);
  close(values(run('ReduceLogSumExp', [tf.tensor2d([[0, Math.log(3)]])], { axes: [1], keepdims: 0 })[0]), [Math.log(4)]);
  close(values(run('ReduceL2', [tf.tensor2d([[3e20, 4e20]])], { axes: [1], keepdims: 0 })[0]), [5e20]);
  assert.deepEqual(values(run('ReduceL2', [tf.tensor2d([[0, 0]])], { axes: [1], keepdims: 1 })[0]), [0]);
  // torch.randn_like (a VAE's reparameterization): seeded noise of the input's shape (the test's generator gives 0.5)
  const noise = run('RandomNormalLike', [tf.zeros([2, 3])], { mean: 1, scale: 2 })[0]!;
  assert.deepEqual(noise.shape, [2, 3]);
  close(values(noise), Array(6).fill(1 + 2 * Math.sqrt(-2 * Math.log(0.5)) * Math.cos(Math.PI)));
  close(values(run('RandomUniformLike', [tf.zeros([2])], { low: -1, high: 3 })[0]), [1, 1]);
});

test('recurrent ops (nn.RNN, nn.GRU, nn.LSTM exports): reverse direction with ragged sequence_lens, GRU both reset orders in batch-first layout, LSTM peepholes and clip', async () => {
  await selectBackend('wasm');
  const t3 = (v: number[], shape: [number, number, number]) => tf.tensor3d(v, shape);
  // RNN, reverse, H = tanh(x + 0.5·h); row 2 has length 2: its third step is skipped (output 0, state held).
  const [y, yh] = run('RNN', [t3([1, 1, 2, 1, 3, 9], [3, 2, 1]), t3([1], [1, 1, 1]), t3([0.5], [1, 1, 1]), undefined, ints([3, 2])], { direction: 'reverse', hidden_size: 1 });
  assert.deepEqual(y!.shape, [3, 1, 2, 1]);
  close(values(y), [0.9039254, 0.8811296, 0.9865484, 0.7615942, 0.9950548, 0]);
  close(values(yh), [0.9039254, 0.8811296]);
  // GRU, gates z r h, layout 1 (X [batch, seq, input], initial_h [batch, directions, hidden]), h0 = 0.5.
  const gru = (linearBeforeReset: number) => run('GRU', [t3([1, -2], [1, 2, 1]), t3([0.5, -0.5, 1], [1, 3, 1]), t3([0.3, 0.2, 0.7], [1, 3, 1]),
    tf.tensor2d([[0.1, 0, 0.2, 0, 0.1, -0.3]]), undefined, t3([0.5], [1, 1, 1])], { hidden_size: 1, layout: 1, linear_before_reset: linearBeforeReset });
  close(values(gru(0)[0]), [0.5902778, -0.4432228]);
  close(values(gru(1)[0]), [0.6090891, -0.4290245]);
  assert.deepEqual(gru(1)[0]!.shape, [1, 2, 1, 1]);
  // LSTM, gates i o f c, peepholes i o f, pre-activations clipped to ±0.6, c0 = 1.
  const [ly, lh, lc] = run('LSTM', [t3([2, -1], [2, 1, 1]), t3([0.5, 0.4, 0.3, 0.2], [1, 4, 1]), t3([0.1, 0.2, 0.3, 0.4], [1, 4, 1]),
    tf.tensor2d([[0.1, 0.2, 0.3, 0.4, 0, 0, 0, 0]]), undefined, t3([0], [1, 1, 1]), t3([1], [1, 1, 1]), tf.tensor2d([[0.5, 0.25, 1]])], { hidden_size: 1, clip: 0.6 });
  close(values(ly), [0.4896569, 0.3622246]);
  close(values(lh), [0.3622246]);
  close(values(lc), [0.8425913]);
  // a NaN stays NaN through the cell clip and HardSigmoid, as in torch: a clamp never hides it
  assert.ok(Number.isNaN(values(run('RNN', [t3([NaN], [1, 1, 1]), t3([1], [1, 1, 1]), t3([1], [1, 1, 1])], { hidden_size: 1, clip: 0.5, activations: ['HardSigmoid'] })[0])[0]!));
  assert.throws(() => run('RNN', [t3([1], [1, 1, 1]), t3([1], [1, 1, 1]), t3([1], [1, 1, 1])], { activations: ['Gaussian'] }), /node \/test\/RNN \(RNN\): the recurrent activation 'Gaussian' is not supported/);
  assert.throws(() => run('LSTM', [t3([1], [1, 1, 1]), t3([1, 1, 1, 1], [1, 4, 1]), t3([1, 1, 1, 1], [1, 4, 1])], { input_forget: 1 }), /input_forget=1/);
});

test('EyeLike: ones on diagonal k of a non-square shape, in the input type or the dtype attribute', () => {
  assert.deepEqual(values(run('EyeLike', [tf.zeros([2, 3])], { k: 1 })[0]), [0, 1, 0, 0, 0, 1]);
  assert.deepEqual(values(run('EyeLike', [tf.zeros([3, 2])], { k: -1 })[0]), [0, 0, 1, 0, 0, 1]);
  const typed = run('EyeLike', [tf.zeros([2, 2], 'int32')], { dtype: 1 })[0]!;
  assert.deepEqual([typed.dtype, values(typed)], ['float32', [1, 0, 0, 1]]);
});
