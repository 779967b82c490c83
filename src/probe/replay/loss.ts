// Training losses: mean squared error and cross-entropy (from logits, or from probabilities after a softmax layer).
import * as tf from '@tensorflow/tfjs-core';

export type LossName = 'mse' | 'cross-entropy';

export function computeLoss(name: LossName, output: tf.Tensor, target: tf.Tensor, fromProbabilities = false): tf.Scalar {
  if (name === 'mse') return tf.mean(tf.squaredDifference(output, target)) as tf.Scalar;
  const logits = tf.reshape(output, [-1, output.shape[output.shape.length - 1]]) as tf.Tensor2D;
  const t = tf.reshape(target, logits.shape);
  const logp = fromProbabilities ? tf.log(logits) : tf.logSoftmax(logits);
  return tf.neg(tf.mean(tf.sum(tf.mul(t, logp), -1))) as tf.Scalar;
}
