// The fast path's second look at a prefilter hit: is the segment it is in worth the full analyzer?
// Self-contained on purpose (no imports, no outer names): the range worker runs its source text too.

export interface CandidateVerdict {
  /** The segment holds a non-finite value or an incident word: replay it through the analyzer. */
  keep: boolean;
  /** Offset of the terminator (`\n` or `\r`) that ends the hit's segment, or where the look ahead stopped. */
  end: number;
}

export type CandidateFilter = (bytes: Uint8Array, at: number, lo: number, hi: number) => CandidateVerdict;

/**
 * `hasValue`: whether a text holds a non-finite value (../nonfinite-tokens.ts); `words`: lower-case words that
 * make a line non-finite without such a value (the formats' `words`). Looks at most `maxSegment` bytes either side.
 */
export function createCandidateFilter(hasValue: (text: string) => boolean, words: string[], maxSegment: number): CandidateFilter {
  return (bytes, at, lo, hi) => {
    let start = at;
    const floor = Math.max(lo, at - maxSegment);
    while (start > floor && bytes[start - 1] !== 10 && bytes[start - 1] !== 13) start--;
    let end = at;
    const ceiling = Math.min(hi, at + maxSegment);
    while (end < ceiling && bytes[end] !== 10 && bytes[end] !== 13) end++;
    // A segment cut by the buffer's edge is not judged here: the analyzer reads it whole.
    if ((start === floor && floor > 0) || end === ceiling) return { keep: true, end };
    const text = Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start).toString('latin1');
    if (hasValue(text)) return { keep: true, end };
    const lower = text.toLowerCase();
    for (const w of words) if (lower.includes(w)) return { keep: true, end };
    return { keep: false, end };
  };
}
