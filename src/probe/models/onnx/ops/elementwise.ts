// Element-wise ONNX ops: arithmetic with NumPy broadcasting, activations, comparisons, Where, Cast, Clip, Identity.
import * as tf from '@tensorflow/tfjs-core';
import { castTo } from '../../../replay/precision';
import type { OpContext, OpSpec, Value } from './types';
import { broadcastShape, broadcastTo, clampKeepingNaN, hardSigmoid, required, softsign } from './util';

const unary = (f: (x: tf.Tensor, c: OpContext) => tf.Tensor): OpSpec => ({ run: (v, c) => f(required(v, 0, c), c) });
const binary = (f: (a: tf.Tensor, b: tf.Tensor) => tf.Tensor): OpSpec => ({ run: (v, c) => f(required(v, 0, c), required(v, 1, c)) });
const isInt = (t: tf.Tensor): boolean => t.dtype === 'int32';

/** ONNX integer division truncates toward zero (TensorFlow.js floors). */
function divide(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  if (!isInt(a) || !isInt(b)) return tf.div(a, b);
  return tf.mul(tf.sign(tf.mul(a, b)), tf.floorDiv(tf.abs(a), tf.abs(b)));
}

const SQRT1_2 = Math.SQRT1_2;
const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

/** Gelu (opset 20, or a custom domain's): exact with erf, or the tanh approximation. */
function gelu(x: tf.Tensor, c: OpContext): tf.Tensor {
  if (c.str('approximate', 'none') === 'tanh') {
    const inner = tf.mul(SQRT_2_OVER_PI, tf.add(x, tf.mul(0.044715, tf.pow(x, 3))));
    return tf.mul(tf.mul(0.5, x), tf.add(1, tf.tanh(inner)));
  }
  return tf.mul(tf.mul(0.5, x), tf.add(1, tf.erf(tf.mul(x, SQRT1_2))));
}

function where(v: Value[], c: OpContext): tf.Tensor {
  const [cond, a, b] = [required(v, 0, c), required(v, 1, c), required(v, 2, c)];
  const shape = broadcastShape(broadcastShape(cond.shape, a.shape, c), b.shape, c);
  // Integers select as floats (exact below 2^24): the wasm backend's int32 select returns zeros.
  const ints = a.dtype === 'int32' && b.dtype === 'int32';
  const [x, y] = a.dtype === 'float32' && b.dtype === 'float32' ? [a, b] : [tf.cast(a, 'float32'), tf.cast(b, 'float32')];
  const picked = tf.where(broadcastTo(tf.cast(cond, 'bool'), shape), broadcastTo(x, shape), broadcastTo(y, shape));
  return ints ? tf.cast(picked, 'int32') : picked;
}

// ONNX TensorProto data types a Cast may target, as TensorFlow.js dtypes (fp16 and bf16 are float32 rounded).
const CAST_TARGETS: Record<number, 'float32' | 'int32' | 'bool' | 'fp16' | 'bf16'> = {
  1: 'float32', 11: 'float32', 10: 'fp16', 16: 'bf16', 9: 'bool', 2: 'int32', 3: 'int32', 4: 'int32', 5: 'int32', 6: 'int32', 7: 'int32', 12: 'int32', 13: 'int32',
};

function cast(x: tf.Tensor, c: OpContext): tf.Tensor {
  const to = CAST_TARGETS[c.int('to', 1)] ?? c.fail(`Cast to ONNX type ${c.int('to', 1)} is not supported`);
  if (to === 'fp16' || to === 'bf16') return castTo(x.dtype === 'float32' ? x : tf.cast(x, 'float32'), to);
  if (to === x.dtype) return x;
  // Float to integer truncates toward zero, as ONNX (and C) casts do.
  return tf.cast(to === 'int32' && x.dtype === 'float32' ? tf.mul(tf.sign(x), tf.floor(tf.abs(x))) : x, to);
}

function clip(v: Value[], c: OpContext): tf.Tensor {
  let y = required(v, 0, c);
  // From opset 11 the bounds are inputs (the importer reads opset 13 and later).
  if (v[1]) y = tf.maximum(y, v[1]);
  if (v[2]) y = tf.minimum(y, v[2]);
  return y;
}

/** PRelu: the slope (per channel, `[C, 1, 1]`) multiplies the negative part (max/min: a comparison has no gradient). */
function prelu(v: Value[], c: OpContext): tf.Tensor {
  const [x, slope] = [required(v, 0, c), required(v, 1, c)];
  return tf.add(tf.relu(x), tf.mul(slope, tf.minimum(x, 0)));
}

/** Selu with ONNX's default alpha and gamma (PyTorch's). */
function selu(x: tf.Tensor, c: OpContext): tf.Tensor {
  const alpha = c.float('alpha', 1.6732632423543772);
  const gamma = c.float('gamma', 1.0507009873554805);
  return tf.mul(gamma, tf.add(tf.relu(x), tf.mul(alpha, tf.sub(tf.exp(tf.minimum(x, 0)), 1))));
}

/** Max / Min over any number of inputs. */
const variadic = (f: (a: tf.Tensor, b: tf.Tensor) => tf.Tensor): OpSpec => ({
  run: (v, c) => v.filter((t): t is tf.Tensor => t !== undefined).reduce((a, b) => f(a, b)) ?? c.fail('no inputs'),
});

export const elementwiseOps: Record<string, OpSpec> = {
  Add: binary(tf.add),
  Sub: binary(tf.sub),
  Mul: binary(tf.mul),
  Div: binary(divide),
  Pow: binary((a, b) => tf.pow(a, b.dtype === a.dtype ? b : tf.cast(b, a.dtype))),
  Max: variadic(tf.maximum),
  Min: variadic(tf.minimum),
  Sqrt: unary((x) => tf.sqrt(x)),
  Reciprocal: unary((x) => tf.reciprocal(x)),
  Exp: unary((x) => tf.exp(x)),
  Log: unary((x) => tf.log(x)),
  Neg: unary((x) => tf.neg(x)),
  Abs: unary((x) => tf.abs(x)),
  Floor: unary((x) => tf.floor(x)),
  Ceil: unary((x) => tf.ceil(x)),
  Erf: unary((x) => tf.erf(x)),
  Tanh: unary((x) => tf.tanh(x)),
  Sigmoid: unary((x) => tf.sigmoid(x)),
  Relu: unary((x) => tf.relu(x)),
  LeakyRelu: unary((x, c) => tf.leakyRelu(x, c.float('alpha', 0.01))),
  Elu: unary((x, c) => (c.float('alpha', 1) === 1 ? tf.elu(x) : c.fail('Elu with alpha other than 1 is not supported'))),
  Softplus: unary((x) => tf.softplus(x)),
  HardSigmoid: unary((x, c) => hardSigmoid(x, c.float('alpha', 0.2), c.float('beta', 0.5))),
  HardSwish: unary((x) => tf.mul(x, clampKeepingNaN(tf.add(tf.div(x, 6), 0.5), 0, 1))),
  Gelu: unary(gelu),
  Sin: unary((x) => tf.sin(x)),
  Cos: unary((x) => tf.cos(x)),
  Sign: unary((x) => tf.sign(x)),
  Softsign: unary(softsign),
  PRelu: { run: prelu },
  Selu: unary(selu),
  Equal: binary((a, b) => tf.equal(a, b)),
  Greater: binary((a, b) => tf.greater(a, b)),
  Less: binary((a, b) => tf.less(a, b)),
  GreaterOrEqual: binary((a, b) => tf.greaterEqual(a, b)),
  LessOrEqual: binary((a, b) => tf.lessEqual(a, b)),
  IsNaN: unary((x) => tf.isNaN(x)),
  IsInf: unary((x, c) => {
    const [neg, pos] = [c.int('detect_negative', 1) === 1, c.int('detect_positive', 1) === 1];
    return neg && pos ? tf.isInf(x) : neg ? tf.equal(x, -Infinity) : pos ? tf.equal(x, Infinity) : tf.cast(tf.zerosLike(x), 'bool');
  }),
  Not: unary((x) => tf.logicalNot(tf.cast(x, 'bool'))),
  And: binary((a, b) => tf.logicalAnd(tf.cast(a, 'bool'), tf.cast(b, 'bool'))),
  Or: binary((a, b) => tf.logicalOr(tf.cast(a, 'bool'), tf.cast(b, 'bool'))),
  Where: { run: where, data: [1, 2] },
  Cast: unary(cast),
  Clip: { run: clip, data: [0] },
  Identity: unary((x) => x),
};
