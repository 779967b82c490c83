// Pooling: MaxPool and AveragePool (pads, ceil_mode, count_include_pad), GlobalAveragePool, GlobalMaxPool.
import * as tf from '@tensorflow/tfjs-core';
import { windowOf } from './conv';
import type { OpContext, OpSpec, Value } from './types';
import { as2d, padSpatial, required, toNchw, toNhwc } from './util';

/**
 * Extra padding at the end of each spatial axis so a 'valid' pool gives ceil_mode's output size; like torch,
 * a last window that would start in the end padding is dropped.
 */
function ceilExtra(c: OpContext, size: number[], kernel: number[], strides: number[], pads: number[]): number[] {
  if (c.int('ceil_mode', 0) !== 1) return [0, 0];
  return size.map((n, i) => {
    const padded = n + pads[i] + pads[i + 2];
    let out = Math.ceil((padded - kernel[i]) / strides[i]) + 1;
    if ((out - 1) * strides[i] >= n + pads[i]) out--;
    return Math.max(0, (out - 1) * strides[i] + kernel[i] - padded);
  });
}

function prepare(v: Value[], c: OpContext) {
  const x = required(v, 0, c);
  const win = windowOf(c, x.shape);
  if (win.dilations.some((d) => d !== 1)) c.fail('dilated pooling is not supported');
  const { x4, back } = as2d(x);
  const nhwc = toNhwc(x4);
  const extra = ceilExtra(c, [nhwc.shape[1], nhwc.shape[2]], win.kernel, win.strides, win.pads);
  return { nhwc, win, extra, back, pads: [win.pads[0], win.pads[1], win.pads[2] + extra[0], win.pads[3] + extra[1]] };
}

function maxPool(v: Value[], c: OpContext): tf.Tensor {
  if (c.node.outputs.length > 1 && c.node.outputs[1] !== '') c.fail('MaxPool with an Indices output is not supported');
  const { nhwc, win, back, pads } = prepare(v, c);
  const pool = (t: tf.Tensor4D, fill: number): tf.Tensor4D => tf.maxPool(padSpatial(t, pads, fill), win.kernel as [number, number], win.strides as [number, number], 'valid');
  return back(toNchw(keepNaN(nhwc, pool(nhwc, -Infinity), (mask) => pool(mask, 0))));
}

/** Sum over each window divided by how many cells count: the padded ones only with count_include_pad (never ceil_mode's). */
function averagePool(v: Value[], c: OpContext): tf.Tensor {
  const p = prepare(v, c);
  const maskPool = (t: tf.Tensor4D): tf.Tensor4D => tf.maxPool(padSpatial(t, p.pads), p.win.kernel as [number, number], p.win.strides as [number, number], 'valid');
  return p.back(toNchw(keepNaN(p.nhwc, averagePoolNhwc(p, c), maskPool)));
}

/**
 * TensorFlow.js's pools skip NaN (max pool everywhere, average pool on wasm); torch's give NaN for a window holding
 * one, so it spreads as in the real run. `poolMask` pools a 0/1 mask the way the output was pooled.
 */
function keepNaN(x: tf.Tensor4D, y: tf.Tensor4D, poolMask: (mask: tf.Tensor4D) => tf.Tensor4D): tf.Tensor4D {
  if (!tf.any(tf.isNaN(x)).dataSync()[0]) return y;
  // A mask made from the host's copy stays off the gradient tape (comparisons have no gradient).
  const mask = tf.tensor4d(tf.cast(tf.isNaN(x), 'float32').dataSync(), x.shape);
  return tf.where(tf.greater(poolMask(mask), 0), tf.fill(y.shape, NaN), y) as tf.Tensor4D;
}

function averagePoolNhwc({ nhwc, win, extra, pads }: ReturnType<typeof prepare>, c: OpContext): tf.Tensor4D {
  const kernel = win.kernel as [number, number];
  const strides = win.strides as [number, number];
  const area = kernel[0] * kernel[1];
  if (pads.every((p) => p === 0)) return tf.avgPool(nhwc, kernel, strides, 'valid');
  const sums = tf.mul(tf.avgPool(padSpatial(nhwc, pads), kernel, strides, 'valid'), area);
  const [, h, w] = nhwc.shape;
  const includePad = c.int('count_include_pad', 0) === 1;
  const ones = tf.ones([1, includePad ? h + win.pads[0] + win.pads[2] : h, includePad ? w + win.pads[1] + win.pads[3] : w, 1]) as tf.Tensor4D;
  const counted = includePad ? [0, 0, extra[0], extra[1]] : pads;
  const counts = tf.mul(tf.avgPool(padSpatial(ones, counted), kernel, strides, 'valid'), area);
  return tf.div(sums, counts) as tf.Tensor4D;
}

const spatialAxes = (x: tf.Tensor): number[] => [...Array(x.rank).keys()].slice(2);

export const poolingOps: Record<string, OpSpec> = {
  MaxPool: { run: maxPool, probed: 1 },
  AveragePool: { run: averagePool },
  GlobalAveragePool: { run: (v, c) => tf.mean(required(v, 0, c), spatialAxes(required(v, 0, c)), true) },
  GlobalMaxPool: { run: (v, c) => tf.max(required(v, 0, c), spatialAxes(required(v, 0, c)), true) },
};
