// Transformer blocks written with tfjs-core ops (pre-norm, residual), so autocast and fp16 weights round where torch does.
import * as tf from '@tensorflow/tfjs-core';
import { castTo } from '../replay/precision';
import type { Random } from '../random';
import { dense, layerNorm } from './layers';
import type { ProbeLayer } from './types';

/** x + attention(LayerNorm(x)): causal multi-head self-attention over [batch, tokens, units]; softmax in fp32 as autocast does. */
export function attentionBlock(name: string, rng: Random, units: number, heads: number): ProbeLayer {
  const ln = layerNorm('ln', units);
  const qkv = dense('qkv', rng, units, 3 * units);
  const out = dense('proj', rng, units, units);
  const head = units / heads;
  return {
    name,
    params: [...ln.params, ...qkv.params, ...out.params],
    apply(x, ctx) {
      const [b, t] = x.shape as [number, number, number];
      const split = (z: tf.Tensor) => tf.transpose(tf.reshape(z, [b, t, heads, head]), [0, 2, 1, 3]);
      const [q, k, v] = tf.split(qkv.apply(ln.apply(x, ctx), ctx), 3, -1).map(split);
      const scores = castTo(tf.mul(tf.matMul(castTo(q!, ctx.matmul), castTo(k!, ctx.matmul), false, true), 1 / Math.sqrt(head)), ctx.matmul);
      const causal = tf.linalg.bandPart(tf.ones([t, t]), -1, 0);
      const masked = tf.where(tf.cast(causal, 'bool'), castTo(scores, ctx.other), tf.fill([b, heads, t, t], -1e9));
      const weights = castTo(tf.softmax(masked), ctx.other);
      const mixed = castTo(tf.matMul(castTo(weights, ctx.matmul), castTo(v!, ctx.matmul)), ctx.matmul);
      return tf.add(x, out.apply(tf.reshape(tf.transpose(mixed, [0, 2, 1, 3]), [b, t, units]), ctx));
    },
  };
}

/** x + Linear(GELU(Linear(LayerNorm(x)))), the MLP half of a transformer block (4× wider inside). */
export function feedForwardBlock(name: string, rng: Random, units: number): ProbeLayer {
  const ln = layerNorm('ln', units);
  const up = dense('fc1', rng, units, 4 * units);
  const down = dense('fc2', rng, 4 * units, units);
  return {
    name,
    params: [...ln.params, ...up.params, ...down.params],
    apply(x, ctx) {
      const h = up.apply(ln.apply(x, ctx), ctx);
      const gelu = tf.mul(tf.mul(h, 0.5), tf.add(1, tf.erf(tf.mul(h, Math.SQRT1_2))));
      return tf.add(x, down.apply(castTo(gelu, ctx.other), ctx));
    },
  };
}

/** The final LayerNorm and the language-model head over the vocabulary. */
export function lmHead(name: string, rng: Random, units: number, vocabulary: number): ProbeLayer {
  const ln = layerNorm('ln_f', units);
  const head = dense('head', rng, units, vocabulary);
  return { name, params: [...ln.params, ...head.params], apply: (x, ctx) => head.apply(ln.apply(x, ctx), ctx) };
}
