// Normalizations: BatchNormalization (batch statistics in training, running statistics updated as torch does),
// LayerNormalization, InstanceNormalization, GroupNormalization.
import * as tf from '@tensorflow/tfjs-core';
import type { OpContext, OpSpec, Value } from './types';
import { torchMomentsNaN } from './torch-moments';
import { axisOf, required } from './util';

/** (x - mean) / sqrt(var + eps) over `axes`, with the biased variance. */
function normalize(x: tf.Tensor, axes: number[], eps: number): { y: tf.Tensor; mean: tf.Tensor; variance: tf.Tensor } {
  const mean = tf.mean(x, axes, true);
  const centered = tf.sub(x, mean);
  const variance = tf.mean(tf.square(centered), axes, true);
  return { y: tf.div(centered, tf.sqrt(tf.add(variance, eps))), mean, variance };
}

/** Normalizes over the trailing axes from `axis`, with torch's CPU kernel's NaN for huge rows (see torch-moments). */
function normalizeRows(x: tf.Tensor, axis: number, eps: number): { y: tf.Tensor; mean: tf.Tensor; variance: tf.Tensor } {
  const axes = [...Array(x.rank).keys()].slice(axis);
  const out = normalize(x, axes, eps);
  const n = x.shape.slice(axis).reduce((a, b) => a * b, 1);
  const nan = torchMomentsNaN(tf.reshape(x, [-1, n]) as tf.Tensor2D);
  if (!nan) return out;
  return { ...out, y: tf.where(tf.reshape(nan, [...x.shape.slice(0, axis), ...new Array(x.rank - axis).fill(1)]), tf.fill(x.shape, NaN), out.y) };
}

/** A per-channel vector shaped to broadcast over NC… (channel axis 1). */
const perChannel = (t: tf.Tensor, rank: number): tf.Tensor => tf.reshape(t, [t.size, ...new Array(rank - 2).fill(1)]);

function batchNorm(v: Value[], c: OpContext): tf.Tensor[] {
  const x = required(v, 0, c);
  const [scale, bias, mean, variance] = [1, 2, 3, 4].map((i) => required(v, i, c));
  const eps = c.float('epsilon', 1e-5);
  const training = c.int('training_mode', 0) === 1 && c.training;
  if (!training) {
    // Inference (or a validation pass): the running statistics.
    const y = tf.div(tf.sub(x, perChannel(mean, x.rank)), tf.sqrt(tf.add(perChannel(variance, x.rank), eps)));
    return [tf.add(tf.mul(y, perChannel(scale, x.rank)), perChannel(bias, x.rank))];
  }
  const axes = [0, ...[...Array(x.rank).keys()].slice(2)];
  const stats = normalize(x, axes, eps);
  const y = tf.add(tf.mul(stats.y, perChannel(scale, x.rank)), perChannel(bias, x.rank));
  // ONNX's momentum is torch's 1 - momentum; torch's running variance is the unbiased one.
  const momentum = c.float('momentum', 0.9);
  const channels = x.shape[1] ?? c.fail('the input has no channel axis');
  const count = x.size / channels;
  const batchMean = tf.reshape(stats.mean, [channels]);
  const unbiased = tf.mul(tf.reshape(stats.variance, [channels]), count / Math.max(1, count - 1));
  const runningMean = tf.add(tf.mul(mean, momentum), tf.mul(batchMean, 1 - momentum));
  const runningVar = tf.add(tf.mul(variance, momentum), tf.mul(unbiased, 1 - momentum));
  const [meanName, varName] = [c.node.inputs[3], c.node.inputs[4]];
  if (c.isState(meanName)) c.setState(meanName, runningMean);
  if (c.isState(varName)) c.setState(varName, runningVar);
  return [y, runningMean, runningVar];
}

function layerNorm(v: Value[], c: OpContext): tf.Tensor[] {
  const x = required(v, 0, c);
  const axis = axisOf(c.int('axis', -1), x.rank, c);
  const { y, mean, variance } = normalizeRows(x, axis, c.float('epsilon', 1e-5));
  let out = tf.mul(y, required(v, 1, c));
  if (v[2]) out = tf.add(out, v[2]);
  return [out, mean, tf.rsqrt(tf.add(variance, c.float('epsilon', 1e-5)))];
}

function instanceNorm(v: Value[], c: OpContext): tf.Tensor {
  const x = required(v, 0, c);
  const { y } = normalize(x, [...Array(x.rank).keys()].slice(2), c.float('epsilon', 1e-5));
  return tf.add(tf.mul(y, perChannel(required(v, 1, c), x.rank)), perChannel(required(v, 2, c), x.rank));
}

/** GroupNormalization: scale and bias per group (opset 18) or per channel (opset 21). */
function groupNorm(v: Value[], c: OpContext): tf.Tensor {
  const x = required(v, 0, c);
  const groups = c.int('num_groups', 0);
  const channels = x.shape[1] ?? c.fail('the input has no channel axis');
  if (groups <= 0 || channels % groups !== 0) c.fail(`num_groups ${groups} does not divide ${channels} channels`);
  const grouped = tf.reshape(x, [x.shape[0]!, groups, -1]);
  const y = tf.reshape(normalizeRows(grouped, 2, c.float('epsilon', 1e-5)).y, x.shape);
  const expand = (t: tf.Tensor): tf.Tensor => perChannel(t.size === groups && groups !== channels ? tf.reshape(tf.tile(tf.reshape(t, [groups, 1]), [1, channels / groups]), [channels]) : t, x.rank);
  return tf.add(tf.mul(y, expand(required(v, 1, c))), expand(required(v, 2, c)));
}

export const normalizationOps: Record<string, OpSpec> = {
  BatchNormalization: { run: batchNorm, data: [0, 1, 2], probed: 1 },
  LayerNormalization: { run: layerNorm, probed: 1 },
  InstanceNormalization: { run: instanceNorm },
  GroupNormalization: { run: groupNorm },
};
