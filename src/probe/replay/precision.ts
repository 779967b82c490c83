// Precision emulation: rounds values to fp16 / bf16 exactly (round to nearest even, overflow to inf, subnormals).
import * as tf from '@tensorflow/tfjs-core';

export type Precision = 'fp32' | 'fp16' | 'bf16';

export const FP16_MAX = 65504;

const FP16_MIN_NORMAL = 2 ** -14;
// Values from here round to infinity: halfway between 65504 and the next fp16 step, 65536.
const FP16_OVERFLOW = 65520;
// Veltkamp's splitting constant for keeping 11 of a double's 53 significant bits.
const SPLIT = 2 ** 42 + 1;

/**
 * Rounds a double to the nearest fp16 value, ties to even, overflow to ±inf, with subnormals.
 * Normal range: Veltkamp's splitting in double arithmetic (checked against an exact bit-level rounding
 * on every fp16 midpoint); subnormals: fp32's own subnormal rounding, scaled so its step is fp16's 2^-24.
 */
export function toFp16(x: number): number {
  const a = Math.abs(x);
  if (a < FP16_MIN_NORMAL) return Math.fround(x * 2 ** -125) * 2 ** 125;
  if (a >= FP16_OVERFLOW) return x > 0 ? Infinity : -Infinity;
  const g = SPLIT * x;
  return g - (g - x);
}

const BF16_MIN_NORMAL = 2 ** -126;
// Halfway between bf16's largest value (2 - 2^-7)·2^127 and 2^128.
const BF16_OVERFLOW = (2 - 2 ** -8) * 2 ** 127;
const SPLIT_BF16 = 2 ** 45 + 1;

/** Rounds a double to the nearest bfloat16 value (8-bit exponent, 8 significant bits), ties to even, the same way. */
export function toBf16(x: number): number {
  const a = Math.abs(x);
  if (a < BF16_MIN_NORMAL) return Math.fround(x * 2 ** -16) * 2 ** 16;
  if (a >= BF16_OVERFLOW) return x > 0 ? Infinity : -Infinity;
  const g = SPLIT_BF16 * x;
  return g - (g - x);
}

export function rounder(p: Precision): (x: number) => number {
  return p === 'fp16' ? toFp16 : p === 'bf16' ? toBf16 : Math.fround;
}

/** Rounds every element of `src` into `out` (may be the same array). */
export function roundArray(src: ArrayLike<number>, p: Precision, out: Float32Array = new Float32Array(src.length)): Float32Array {
  const r = rounder(p);
  const n = src.length;
  if (p === 'fp32') {
    for (let i = 0; i < n; i++) out[i] = src[i];
  } else if (p === 'bf16') {
    for (let i = 0; i < n; i++) out[i] = r(src[i]);
  } else {
    for (let i = 0; i < n; i++) out[i] = toFp16(src[i]);
  }
  return out;
}

/** Whether a value is finite in precision p (an fp32 value over 65504 overflows fp16). */
export function representable(x: number, p: Precision): boolean {
  return Number.isFinite(rounder(p)(x));
}

/** A new tensor with the values of t rounded to p (reads the values; exact on every backend). */
export function roundTensor(t: tf.Tensor, p: Precision): tf.Tensor {
  if (p === 'fp32') return t.clone();
  return tf.tensor(roundArray(t.dataSync() as Float32Array, p), t.shape, 'float32');
}

const castOps = new Map<Precision, (x: tf.Tensor) => tf.Tensor>();

/** A cast to p that also rounds the gradient flowing back through it, as an fp16 tensor's gradient is fp16. */
export function castTo(x: tf.Tensor, p: Precision): tf.Tensor {
  if (p === 'fp32') return x;
  let op = castOps.get(p);
  if (!op) {
    op = tf.customGrad((...args: unknown[]) => ({
      value: roundTensor(args[0] as tf.Tensor, p),
      gradFunc: (dy: tf.Tensor) => roundTensor(dy, p),
    })) as (x: tf.Tensor) => tf.Tensor;
    castOps.set(p, op);
  }
  return op(x);
}

export function parsePrecision(value: unknown, what: string, fallback: Precision): Precision {
  if (value === undefined || value === null || value === '') return fallback;
  const s = String(value).toLowerCase().replace(/^torch\./, '');
  if (['fp32', 'float32', 'float', 'no', 'none', 'false', 'full'].includes(s)) return 'fp32';
  if (['fp16', 'float16', 'half', 'true', '16'].includes(s)) return 'fp16';
  if (['bf16', 'bfloat16'].includes(s)) return 'bf16';
  throw new Error(`${what} must be fp32, fp16 or bf16 (got ${JSON.stringify(value)})`);
}
