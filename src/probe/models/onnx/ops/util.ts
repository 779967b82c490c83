// Helpers shared by the op implementations: axes, broadcasting and the shapes ONNX attributes describe.
import * as tf from '@tensorflow/tfjs-core';
import type { OpContext, Value } from './types';

/** A possibly negative axis as a position in a tensor of the given rank. */
export function axisOf(axis: number, rank: number, c: OpContext): number {
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) c.fail(`axis ${axis} is out of range for a tensor of rank ${rank}`);
  return a;
}

/** The input a node cannot do without. */
export function required(inputs: Value[], i: number, c: OpContext): tf.Tensor {
  const v = inputs[i];
  if (!v) c.fail(`input ${i + 1} is missing`);
  return v;
}

/** NumPy broadcasting of two shapes. */
export function broadcastShape(a: number[], b: number[], c: OpContext): number[] {
  const n = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const x = a[a.length - n + i] ?? 1;
    const y = b[b.length - n + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) c.fail(`shapes [${a.join(', ')}] and [${b.join(', ')}] do not broadcast`);
    out.push(x === 1 ? y : x);
  }
  return out;
}

/** The tensor broadcast to a shape (no copy when it already has it). */
export function broadcastTo(x: tf.Tensor, shape: number[]): tf.Tensor {
  if (x.shape.length === shape.length && x.shape.every((d, i) => d === shape[i])) return x;
  return tf.broadcastTo(x, shape);
}

/** Moves `axis` to the end, so ops that work on the last axis (softmax) can run on any axis; returns the way back. */
export function axisLast(x: tf.Tensor, axis: number): { moved: tf.Tensor; back: (y: tf.Tensor) => tf.Tensor } {
  const rank = x.rank;
  if (axis === rank - 1) return { moved: x, back: (y) => y };
  const perm = [...Array(rank).keys()].filter((i) => i !== axis).concat(axis);
  const inverse = perm.map((_, i) => perm.indexOf(i));
  return { moved: tf.transpose(x, perm), back: (y) => tf.transpose(y, inverse) };
}

/** The pads of a sliding window op (Conv, pools) as [begin..., end...] over the spatial axes, auto_pad resolved. */
export function windowPads(c: OpContext, spatial: number[], kernel: number[], strides: number[], dilations: number[]): number[] {
  const autoPad = c.str('auto_pad', 'NOTSET');
  const n = spatial.length;
  if (autoPad === 'NOTSET') return c.intList('pads') ?? new Array(2 * n).fill(0);
  if (autoPad === 'VALID') return new Array(2 * n).fill(0);
  if (autoPad !== 'SAME_UPPER' && autoPad !== 'SAME_LOWER') c.fail(`auto_pad ${autoPad} is not supported`);
  const begin: number[] = [];
  const end: number[] = [];
  for (let i = 0; i < n; i++) {
    const out = Math.ceil(spatial[i] / strides[i]);
    const total = Math.max(0, (out - 1) * strides[i] + (kernel[i] - 1) * dilations[i] + 1 - spatial[i]);
    const small = Math.floor(total / 2);
    begin.push(autoPad === 'SAME_UPPER' ? small : total - small);
    end.push(autoPad === 'SAME_UPPER' ? total - small : small);
  }
  return [...begin, ...end];
}

/** NCHW → NHWC and back: TensorFlow.js convolutions and pools are channels-last. */
export const toNhwc = (x: tf.Tensor): tf.Tensor4D => tf.transpose(x, [0, 2, 3, 1]) as tf.Tensor4D;
export const toNchw = (x: tf.Tensor): tf.Tensor4D => tf.transpose(x, [0, 3, 1, 2]) as tf.Tensor4D;

/** Pads the spatial axes of an NHWC tensor ([top, left, bottom, right] as ONNX orders 2-D pads). */
export function padSpatial(x: tf.Tensor4D, pads: number[], value = 0): tf.Tensor4D {
  if (pads.every((p) => p === 0)) return x;
  return tf.pad(x, [[0, 0], [pads[0], pads[2]], [pads[1], pads[3]], [0, 0]], value);
}

/** A 1-D op input (Conv1d, MaxPool1d) as 2-D with height 1, and the way back. */
export function as2d(x: tf.Tensor): { x4: tf.Tensor; back: (y: tf.Tensor) => tf.Tensor } {
  if (x.rank === 4) return { x4: x, back: (y) => y };
  return { x4: tf.expandDims(x, 2), back: (y) => tf.squeeze(y, [2]) };
}

/** Clamps to [lo, hi] keeping NaN, as torch.clamp does (maximum and minimum propagate NaN on every backend). */
export function clampKeepingNaN(x: tf.Tensor, lo: number, hi: number): tf.Tensor {
  return tf.minimum(tf.maximum(x, lo), hi);
}

/** ONNX's HardSigmoid: max(0, min(1, alpha·x + beta)). */
export function hardSigmoid(x: tf.Tensor, alpha: number, beta: number): tf.Tensor {
  return clampKeepingNaN(tf.add(tf.mul(x, alpha), beta), 0, 1);
}

/** x / (1 + |x|). */
export function softsign(x: tf.Tensor): tf.Tensor {
  return tf.div(x, tf.add(1, tf.abs(x)));
}
