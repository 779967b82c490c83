// Shared helpers for the probe tests: fixture numbers with nan/inf spelled as strings.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export type Encoded = number | 'nan' | 'inf' | '-inf';

export function decode(v: Encoded): number {
  if (v === 'nan') return NaN;
  if (v === 'inf') return Infinity;
  if (v === '-inf') return -Infinity;
  return v;
}

export function decodeAll(vs: Encoded[]): Float32Array {
  return Float32Array.from(vs.map(decode));
}

export function fixture<T>(name: string): T {
  return JSON.parse(readFileSync(join(__dirname, 'fixtures', name), 'utf8')) as T;
}

/** Same value, where NaN equals NaN and infinities match by sign. */
export function same(a: number, b: number): boolean {
  return Object.is(a, b) || (a === b) || (Number.isNaN(a) && Number.isNaN(b));
}

/** Index of the first element that differs by more than rtol·|b| + atol (non-finite values must match exactly), or -1. */
export function firstMismatch(actual: ArrayLike<number>, expected: ArrayLike<number>, rtol = 0, atol = 0): number {
  if (actual.length !== expected.length) return 0;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i];
    const b = expected[i];
    if (!Number.isFinite(b) || !Number.isFinite(a)) {
      if (!same(a, b)) return i;
    } else if (Math.abs(a - b) > rtol * Math.abs(b) + atol) return i;
  }
  return -1;
}
