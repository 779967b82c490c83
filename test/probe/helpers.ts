// Shared helpers for the probe tests: fixture numbers with nan/inf spelled as strings, and waiting for processes to end.
import assert from 'node:assert/strict';
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

/** Gone, or a zombie nobody reaps (as under a container's init): either way it runs no more. */
export function isDead(pid: number): boolean {
  try {
    return /^\d+ \(.*\) [ZX]/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

/** Waits for a condition with a generous bound (the watchdog looks every 250 ms; a loaded machine may be slow). */
export async function eventually(check: () => boolean, what: string, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) assert.fail(`${what} after ${ms / 1000} s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

