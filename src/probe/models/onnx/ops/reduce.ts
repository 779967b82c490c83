// Reductions (ReduceMean, ReduceSum, ReduceMax, ReduceMin, ReduceL2) and Softmax / LogSoftmax along any axis.
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
  ReduceL2: reduce((x, a, k) => tf.sqrt(tf.sum(tf.square(x), a, k)), 18),
  Softmax: softmaxLike((x) => tf.softmax(x)),
  LogSoftmax: softmaxLike((x) => tf.logSoftmax(x)),
};
