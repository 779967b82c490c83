// Training losses: NegativeLogLikelihoodLoss and SoftmaxCrossEntropyLoss (class axis 1, weights, ignore_index, reductions).
import * as tf from '@tensorflow/tfjs-core';
import type { OpContext, OpSpec, Value } from './types';
import { axisLast, required } from './util';

/** NLL of log-probabilities [N, C, d…] at integer targets [N, d…], as torch.nn.functional.nll_loss reduces it. */
function nll(logProb: tf.Tensor, target: tf.Tensor, weight: Value, c: OpContext): tf.Tensor {
  const classes = logProb.shape[1] ?? c.fail('the scores have no class axis');
  const ignore = c.attr('ignore_index');
  // An ignored label contributes nothing (weight 0); any other label outside [0, C) is an error in torch too.
  const host = c.ints(target)!;
  const keep = host.map((l) => (typeof ignore === 'number' && l === ignore ? 0 : 1));
  const bad = host.find((l, i) => keep[i] && (l < 0 || l >= classes));
  if (bad !== undefined) c.fail(`target ${bad} is not a class index below ${classes}`);
  const safe = tf.tensor(host.map((l, i) => (keep[i] ? l : 0)), target.shape, 'int32');
  const valid = tf.tensor(keep, target.shape, 'float32');
  const { moved } = axisLast(logProb, 1);
  const picked = tf.sum(tf.mul(moved, tf.oneHot(safe, classes)), -1);
  const w = tf.mul(weight ? tf.gather(weight, safe) : tf.onesLike(picked), valid);
  const losses = tf.neg(tf.mul(picked, w));
  const reduction = c.str('reduction', 'mean');
  if (reduction === 'none') return losses;
  if (reduction === 'sum') return tf.sum(losses);
  if (reduction !== 'mean') c.fail(`reduction ${reduction} is not supported`);
  return tf.div(tf.sum(losses), tf.sum(w));
}

export const lossOps: Record<string, OpSpec> = {
  NegativeLogLikelihoodLoss: { run: (v, c) => nll(required(v, 0, c), required(v, 1, c), v[2], c), data: [0, 2] },
  SoftmaxCrossEntropyLoss: {
    data: [0, 2],
    probed: 1,
    run(v, c) {
      const scores = required(v, 0, c);
      const { moved, back } = axisLast(scores, 1);
      const logProb = back(tf.logSoftmax(moved));
      return [nll(logProb, required(v, 1, c), v[2], c), logProb];
    },
  },
};
