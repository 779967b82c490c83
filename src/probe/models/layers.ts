// Built-in layers written with tfjs-core ops, so precision can be emulated where PyTorch rounds.
import * as tf from '@tensorflow/tfjs-core';
import { castTo } from '../replay/precision';
import { fillUniform, type Random } from '../random';
import type { ProbeLayer, ProbeParam } from './types';

function param(name: string, values: Float32Array, shape: number[], castable: boolean): ProbeParam {
  const initial = tf.tensor(values, shape, 'float32');
  const variable = tf.variable(initial, true);
  initial.dispose();
  return { name, variable, castable };
}

/** nn.Linear with PyTorch's default init (U(±1/√fan_in) for weight and bias), optionally reshaping its output. */
export function dense(name: string, rng: Random, inUnits: number, outUnits: number, o: { reshapeTo?: number[]; relu?: boolean; initScale?: number } = {}): ProbeLayer {
  const bound = (o.initScale ?? 1) / Math.sqrt(inUnits);
  const kernel = param('kernel', fillUniform(rng, inUnits * outUnits, bound), [inUnits, outUnits], true);
  const bias = param('bias', fillUniform(rng, outUnits, bound), [outUnits], true);
  return {
    name,
    params: [kernel, bias],
    apply(x, ctx) {
      const flat = castTo(tf.reshape(x, [-1, inUnits]), ctx.matmul) as tf.Tensor2D;
      // addmm: one fp32 accumulation of x·W + b, rounded once to the compute dtype
      let y = castTo(tf.add(tf.matMul(flat, kernel.variable as tf.Tensor2D), bias.variable), ctx.matmul);
      if (o.relu) y = tf.relu(y);
      const lead = x.shape.slice(0, -1);
      return tf.reshape(y, o.reshapeTo ? [lead[0], ...o.reshapeTo] : [...lead, outUnits]);
    },
  };
}

/** nn.LayerNorm over the last axis (eps 1e-5); computed in fp32 and rounded once, as PyTorch's kernel does. */
export function layerNorm(name: string, units: number): ProbeLayer {
  const gamma = param('gamma', new Float32Array(units).fill(1), [units], false);
  const beta = param('beta', new Float32Array(units), [units], false);
  return {
    name,
    params: [gamma, beta],
    apply(x, ctx) {
      const { mean, variance } = tf.moments(x, -1, true);
      const normed = tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, 1e-5)));
      return castTo(tf.add(tf.mul(normed, gamma.variable), beta.variable), ctx.other);
    },
  };
}

/** nn.Conv2d (3×3, stride 1, same padding, channels last) with PyTorch's default init, then ReLU (unless `relu` is false). */
export function conv2dRelu(name: string, rng: Random, inChannels: number, filters: number, initScale = 1, relu = true): ProbeLayer {
  const fanIn = inChannels * 9;
  const bound = initScale / Math.sqrt(fanIn);
  const kernel = param('kernel', fillUniform(rng, 9 * inChannels * filters, bound), [3, 3, inChannels, filters], true);
  const bias = param('bias', fillUniform(rng, filters, bound), [filters], true);
  return {
    name,
    params: [kernel, bias],
    apply(x, ctx) {
      const input = castTo(x, ctx.matmul) as tf.Tensor4D;
      const y = castTo(tf.add(tf.conv2d(input, kernel.variable as tf.Tensor4D, 1, 'same'), bias.variable), ctx.matmul);
      return relu ? tf.relu(y) : y;
    },
  };
}

/** Global average pooling over height and width. */
export function globalAvgPool(name: string): ProbeLayer {
  return { name, params: [], apply: (x, ctx) => castTo(tf.mean(x, [1, 2]), ctx.other) };
}
