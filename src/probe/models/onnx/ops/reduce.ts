// Reductions (ReduceMean, ReduceSum, ReduceMax, ReduceMin, ReduceL1, ReduceL2, ReduceSumSquare, ReduceLogSumExp),
// CumSum, and Softmax / LogSoftmax along any axis.
import * as tf from '@tensorflow/tfjs-core';
import type { OpContext, OpSpec, Value } from './types';
import { axisLast, axisOf, required } from './util';

/** Axes are an input for ReduceSum from opset 13 and for the others from 18; an attribute before. */
function reduce(f: (x: tf.Tensor, axes: number[], keep: boolean) => tf.Tensor, axesInputFrom: number): OpSpec {
  return {
    data: [0],
    run(v: Value[], c: OpContext) {
      const x = required(v, 0, c);
      const given = c.opset >= axesInputFrom ? c.ints(v[1]) : c.intList('axes');
      const keep = c.int('keepdims', 1) === 1;
      if (!given || given.length === 0) {
        if (c.int('noop_with_empty_axes', 0) === 1) return x;
        return f(x, [...Array(x.rank).keys()], keep);
      }
      return f(x, given.map((a) => axisOf(a, x.rank, c)), keep);
    },
  };
}

/**
 * The L2 norm scaled by the largest magnitude, so squares past fp32's range do not overflow where PyTorch's CPU
 * norm (which accumulates in double) stays finite; the same value and gradient otherwise.
 */
function l2(x: tf.Tensor, axes: number[], keep: boolean): tf.Tensor {
  const scale = tf.maximum(tf.max(tf.abs(x), axes, true), 1e-30);
  const norm = tf.mul(tf.sqrt(tf.sum(tf.square(tf.div(x, scale)), axes, true)), scale);
  return keep ? norm : tf.squeeze(norm, axes);
}

function softmaxLike(f: (x: tf.Tensor) => tf.Tensor): OpSpec {
  return {
    run(v, c) {
      const x = required(v, 0, c);
      const { moved, back } = axisLast(x, axisOf(c.int('axis', -1), x.rank, c));
      return back(f(moved));
    },
  };
}

export const reduceOps: Record<string, OpSpec> = {
  ReduceMean: reduce((x, a, k) => tf.mean(x, a, k), 18),
  ReduceSum: reduce((x, a, k) => tf.sum(x, a, k), 13),
  ReduceMax: reduce((x, a, k) => tf.max(x, a, k), 18),
  ReduceMin: reduce((x, a, k) => tf.min(x, a, k), 18),
  ReduceL2: reduce(l2, 18),
  ReduceL1: reduce((x, a, k) => tf.sum(tf.abs(x), a, k), 18),
  ReduceSumSquare: reduce((x, a, k) => tf.sum(tf.square(x), a, k), 18),
  ReduceLogSumExp: reduce((x, a, k) => tf.logSumExp(x, a, k), 18),
  CumSum: {
    data: [0],
    run(v, c) {
      const x = required(v, 0, c);
      const axis = axisOf(c.scalar(v[1]) ?? c.fail('CumSum needs its axis'), x.rank, c);
      return tf.cumsum(x, axis, c.int('exclusive', 0) === 1, c.int('reverse', 0) === 1);
    },
  },
  Softmax: softmaxLike((x) => tf.softmax(x)),
  LogSoftmax: softmaxLike((x) => tf.logSoftmax(x)),
};
