// Offsets ↔ 0-based LSP positions, shared by every locator.
import type { LocatedValue, Position, Range } from '../types';

export class LineIndex {
  private readonly starts: number[] = [0];

  constructor(readonly text: string) {
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) this.starts.push(i + 1);
  }

  position(offset: number): Position {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo, character: offset - this.starts[lo] };
  }

  range(start: number, end: number): Range {
    return { start: this.position(start), end: this.position(end) };
  }

  /** The value written at offsets start..end under `keyPath`; `keyStart`, when known, starts its `key: value` range. */
  located(file: string, keyPath: string, value: unknown, start: number, end: number, source: string, keyStart?: number): LocatedValue {
    const located: LocatedValue = { file, keyPath, key: lastKey(keyPath), value, text: this.text.slice(start, end), range: this.range(start, end), source };
    if (keyStart !== undefined) located.keyRange = this.range(keyStart, end);
    return located;
  }

  /** 1-based line number of an offset, for error messages. */
  lineNumber(offset: number): number {
    return this.position(offset).line + 1;
  }
}

/** Reads a bare scalar the way config files and command lines mean it: numbers, booleans, null, else the string. */
export function parseScalar(raw: string): unknown {
  const s = raw.trim();
  if (/^[+-]?(\d[\d_]*\.?[\d_]*|\.\d[\d_]*)([eE][+-]?\d+)?$/.test(s)) return Number(s.replace(/_/g, ''));
  if (/^0x[0-9a-f_]+$/i.test(s)) return parseInt(s.replace(/_/g, ''), 16);
  if (/^[+-]?(inf|infinity)$/i.test(s)) return s.startsWith('-') ? -Infinity : Infinity;
  if (/^[+-]?nan$/i.test(s)) return NaN;
  if (/^true$/i.test(s)) return true;
  if (/^false$/i.test(s)) return false;
  if (/^(null|none)$/i.test(s)) return null;
  return unquote(s);
}

/** Drops one pair of matching quotes. */
export function unquote(s: string): string {
  if (s.length >= 2 && (s[0] === '"' || s[0] === "'") && s[s.length - 1] === s[0]) return s.slice(1, -1);
  return s;
}

/** The last segment of a dotted key path (`a.b[0].c` → `c`, `a[2]` → `a[2]`). */
export function lastKey(keyPath: string): string {
  const i = keyPath.lastIndexOf('.');
  return i < 0 ? keyPath : keyPath.slice(i + 1);
}

export function joinKey(prefix: string, key: string): string {
  return prefix ? `${prefix}.${key}` : key;
}
