import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { castTo, parsePrecision, roundArray, toBf16, toFp16 } from '../../src/probe/replay/precision';
import { decode, fixture, same, type Encoded } from './helpers';

const ref = fixture<{ inputs: Encoded[]; fp16: Encoded[]; bf16: Encoded[] }>('precision-reference.json');

test('fp16 rounding matches numpy float16 on every reference value', () => {
  assert.ok(ref.inputs.length > 1000);
  ref.inputs.forEach((x, i) => {
    const got = toFp16(decode(x));
    assert.ok(same(got, decode(ref.fp16[i])), `fp16(${x}) = ${got}, numpy says ${ref.fp16[i]}`);
  });
});

test('bf16 rounding matches torch bfloat16 on every reference value', () => {
  ref.inputs.forEach((x, i) => {
    const got = toBf16(decode(x));
    assert.ok(same(got, decode(ref.bf16[i])), `bf16(${x}) = ${got}, torch says ${ref.bf16[i]}`);
  });
});

test('fp16 facts the seed case rests on: eps 1e-8 is 0, 1e-6 survives as a subnormal, 65520 overflows', () => {
  assert.equal(toFp16(1e-8), 0);
  assert.ok(toFp16(1e-6) > 0 && toFp16(1e-6) < 2 ** -14);
  assert.equal(toFp16(2 ** -24), 2 ** -24);
  assert.equal(toFp16(2 ** -25), 0); // a tie rounds to even (0)
  assert.equal(toFp16(65504), 65504);
  assert.equal(toFp16(65520), Infinity);
  assert.equal(toFp16(-70000), -Infinity);
  assert.ok(toBf16(1e-8) > 0); // bf16 keeps fp32's exponent range
  assert.equal(toBf16(1 + 2 ** -9), 1); // but only 8 significant bits (a tie rounds to even)
});

test('roundArray rounds in place and leaves fp32 values alone', () => {
  const a = Float32Array.from([1 + 2 ** -12, 1e-8, 70000]);
  roundArray(a, 'fp16', a);
  assert.deepEqual(Array.from(a), [1, 0, Infinity]);
  const b = Float32Array.from([1 + 2 ** -12]);
  assert.equal(roundArray(b, 'fp32')[0], Math.fround(1 + 2 ** -12));
});

test('castTo rounds the forward value and the gradient flowing back', async () => {
  await tf.setBackend('cpu');
  const x = tf.tensor1d([1 + 2 ** -12, 3]);
  const f = (t: tf.Tensor): tf.Scalar => tf.sum(tf.mul(castTo(t, 'fp16'), tf.tensor1d([1e-8, 1 + 2 ** -12])));
  const y = castTo(x, 'fp16');
  assert.deepEqual(Array.from(y.dataSync()), [1, 3]);
  const g = tf.grad(f)(x);
  // d/dx = the multiplier, rounded to fp16 on the way back: 1e-8 → 0, 1 + 2^-12 → 1
  assert.deepEqual(Array.from(g.dataSync()), [0, 1]);
});

test('parsePrecision reads the spellings configs use and rejects the rest clearly', () => {
  assert.equal(parsePrecision('torch.float16', 'weight_dtype', 'fp32'), 'fp16');
  assert.equal(parsePrecision('no', 'mixed_precision', 'fp32'), 'fp32');
  assert.equal(parsePrecision('bf16', 'mixed_precision', 'fp32'), 'bf16');
  assert.equal(parsePrecision(undefined, 'weight_dtype', 'fp32'), 'fp32');
  assert.throws(() => parsePrecision('int8', 'weight_dtype', 'fp32'), /weight_dtype must be fp32, fp16 or bf16/);
});

/** Every positive finite value of a format with `bits` fraction bits, the given minimum exponent and largest exponent. */
function grid(fractionBits: number, minExp: number, maxExp: number, step = 1): number[] {
  const out: number[] = [];
  const n = 1 << fractionBits;
  for (let f = 0; f < n; f += step) out.push(f * 2 ** (minExp - fractionBits)); // subnormals
  for (let e = minExp; e <= maxExp; e++) for (let f = 0; f < n; f += step) out.push((1 + f / n) * 2 ** e);
  return out;
}

for (const [name, round, fractionBits, minExp, maxExp] of [['fp16', toFp16, 10, -14, 15], ['bf16', toBf16, 7, -126, 127]] as const) {
  test(`${name}: every midpoint rounds to the even neighbour, and a hair off it to the nearer one`, () => {
    const values = grid(fractionBits, minExp, maxExp);
    for (let i = 0; i + 1 < values.length; i++) {
      const lo = values[i];
      const hi = values[i + 1];
      assert.equal(round(lo), lo);
      assert.equal(round(-lo), -lo);
      const mid = (lo + hi) / 2;
      // the even neighbour is the one whose last fraction bit is 0: every other grid value
      const even = i % 2 === 0 ? lo : hi;
      assert.equal(round(mid), even, `${name}(${mid})`);
      assert.equal(round(mid * (1 + 2 ** -40)), hi, `${name}(${mid}+)`);
      assert.equal(round(mid * (1 - 2 ** -40)), lo, `${name}(${mid}-)`);
    }
    const max = values[values.length - 1];
    assert.equal(round(max + (max - values[values.length - 2]) / 2), Infinity);
    assert.equal(round(max * (1 + 2 ** -(fractionBits + 3))), max);
  });
}
