// Precision emulation: rounds values to fp16 / bf16 exactly (round to nearest even, overflow to inf, subnormals).
import * as tf from '@tensorflow/tfjs-core';

export type Precision = 'fp32' | 'fp16' | 'bf16';

export const FP16_MAX = 65504;

const f32 = new Float32Array(1);
const f32Bits = new Uint32Array(f32.buffer);

/** fp16 bit pattern → its value, for every one of the 65536 patterns. */
const HALF_VALUES = (() => {
  const t = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const sign = h & 0x8000 ? -1 : 1;
    const exp = (h >> 10) & 0x1f;
    const frac = h & 0x3ff;
    t[h] = exp === 0 ? sign * frac * 2 ** -24 : exp === 31 ? (frac ? NaN : sign * Infinity) : sign * (1 + frac / 1024) * 2 ** (exp - 15);
  }
  return t;
})();

/** The fp16 bit pattern nearest to x (ties to even); x goes through fp32 first, which is innocuous (24 ≥ 2·11+2). */
export function fp16Bits(x: number): number {
  f32[0] = x;
  const b = f32Bits[0];
  const sign = (b >>> 16) & 0x8000;
  const e = (b >>> 23) & 0xff;
  const m = b & 0x7fffff;
  if (e === 0xff) return sign | 0x7c00 | (m ? 0x200 : 0);
  if (e > 112) {
    // normal in fp16 (or overflowing): keep 10 of the 23 fraction bits; a carry may step the exponent up to inf
    if (e > 142) return sign | 0x7c00;
    const rest = m & 0x1fff;
    let h = ((e - 112) << 10) | (m >>> 13);
    if (rest > 0x1000 || (rest === 0x1000 && h & 1)) h++;
    return h >= 0x7c00 ? sign | 0x7c00 : sign | h;
  }
  // fp16 subnormal: a multiple of 2^-24
  const s = 126 - e;
  if (s > 24) return sign;
  const full = m | 0x800000;
  let k = full >>> s;
  const rest = full & ((1 << s) - 1);
  const half = 1 << (s - 1);
  if (rest > half || (rest === half && k & 1)) k++;
  return sign | k;
}

/** Rounds any number to the nearest fp16 value, ties to even, overflow to ±inf, with subnormals. */
export function toFp16(x: number): number {
  return HALF_VALUES[fp16Bits(x)];
}

/** Rounds to the nearest bfloat16 value (8-bit exponent, 8 significant bits), ties to even. */
export function toBf16(x: number): number {
  if (x !== x) return x;
  f32[0] = x; // double → fp32 → bf16 double rounding is innocuous (24 ≥ 2·8+2)
  const bits = f32Bits[0];
  if ((bits & 0x7f800000) === 0x7f800000) return f32[0]; // ±inf
  const lsb = (bits >>> 16) & 1;
  f32Bits[0] = ((bits + 0x7fff + lsb) & 0xffff0000) >>> 0;
  return f32[0];
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

/** Emulated low-precision matmul: inputs are already in p, products accumulate in fp32, the output is rounded to p (cuBLAS fp16 with fp32 accumulate). */
export function matMulIn(a: tf.Tensor2D, b: tf.Tensor2D, p: Precision): tf.Tensor2D {
  return castTo(tf.matMul(a, b), p) as tf.Tensor2D;
}

export function parsePrecision(value: unknown, what: string, fallback: Precision): Precision {
  if (value === undefined || value === null || value === '') return fallback;
  const s = String(value).toLowerCase().replace(/^torch\./, '');
  if (['fp32', 'float32', 'float', 'no', 'none', 'false', 'full'].includes(s)) return 'fp32';
  if (['fp16', 'float16', 'half', 'true', '16'].includes(s)) return 'fp16';
  if (['bf16', 'bfloat16'].includes(s)) return 'bf16';
  throw new Error(`${what} must be fp32, fp16 or bf16 (got ${JSON.stringify(value)})`);
}
