// Quick-fix edits that keep the user's own spelling of a value (`1.0e-8` → `1.0e-6`, `"no"` → `"fp16"`).
import type { Fix, LocatedValue, Range, TextEdit } from '../../types';

/** A number written the way the original was (exponent form, `.0` mantissas, plain decimals). */
export function formatLike(original: string, n: number): string {
  const t = original.trim();
  // computed values carry float noise (0.0004 × 24 / 64 = 1.5000000000000001e-4): six significant digits are plenty
  if (Number.isFinite(n)) n = Number(n.toPrecision(6));
  const exp = /^[+-]?(\d+)(\.\d+)?[eE]([+-]?\d+)$/.exec(t);
  if (exp) {
    const [mantissa, power] = n.toExponential().split('e');
    const m = exp[2] && !mantissa.includes('.') ? `${mantissa}.0` : mantissa;
    if (power === '+0') return m; // `1.0`, not `1.0e0`
    return `${m}${t.includes('E') ? 'E' : 'e'}${power.startsWith('+') ? power.slice(1) : power}`;
  }
  if (n !== 0 && Math.abs(n) < 1e-4) return n.toExponential().replace('e+', 'e');
  // `0.0` → `1.0`: a float stays a float (Python and YAML readers care)
  return Number.isInteger(n) && /\./.test(t) ? n.toFixed(1) : String(n);
}

/** A string written with the original's quotes (or none). */
export function quoteLike(original: string, s: string): string {
  const q = original.trim()[0];
  return q === '"' || q === "'" ? `${q}${s}${q}` : s;
}

export function replaceValue(at: LocatedValue, newText: string): TextEdit & { file: string } {
  return { file: at.file, range: at.range, newText };
}

export function fix(title: string, ...edits: (TextEdit & { file?: string })[]): Fix {
  return { title, edits };
}

/** The range of `needle` inside a one-line construct whose text starts at `range.start`. */
export function rangeWithin(range: Range, text: string, needle: RegExp): Range | undefined {
  const m = needle.exec(text);
  if (!m) return undefined;
  const line = range.start.line;
  const character = range.start.character + m.index;
  return { start: { line, character }, end: { line, character: character + m[0].length } };
}

/** A whole line given 1-based (up to the next line's start), for a log line whose text is not at hand. */
export function lineRange(line1: number): Range {
  return { start: { line: line1 - 1, character: 0 }, end: { line: line1, character: 0 } };
}
