// The fast path's second look at a prefilter hit: is it worth the full analyzer? Each hit is judged where it
// is: a `nan`/`inf` hit by the value rule over the text from just before it to the end of its segment, any other
// hit (a search word's trigram) by whether one of the incident words is written there. A segment is kept when
// one of its hits is, so nothing is judged twice and an ordinary line costs a few byte compares.
// Self-contained on purpose (no imports, no outer names): the range worker runs its source text too.

export interface CandidateVerdict {
  /** The hit is a non-finite value or part of an incident word (or its segment is cut by the buffer): replay it. */
  keep: boolean;
  /** Where the next hit may start: past the hit, or the end of its segment when it is kept. */
  end: number;
}

export type CandidateFilter = (bytes: Uint8Array, at: number, lo: number, hi: number) => CandidateVerdict;

/**
 * `hasValue`: whether a text holds a non-finite value (../nonfinite-tokens.ts); `words`: lower-case words that
 * make a line non-finite without such a value (the formats' `words`). Looks at most `maxSegment` bytes ahead.
 */
export function createCandidateFilter(hasValue: (text: string) => boolean, words: string[], maxSegment: number): CandidateFilter {
  // The value rule looks at most 24 characters before a token (and at its sign): 32 bytes before the hit suffice.
  const BEFORE = 32;
  const lower = (b: number): number => (b >= 65 && b <= 90 ? b | 0x20 : b);
  const isTerminator = (b: number): boolean => b === 10 || b === 13;
  // Every word by each of its trigrams, with the trigram's offset in the word.
  const byTrigram = new Map<string, { word: number[]; offset: number }[]>();
  for (const w of words) {
    const word = [...w].map((c) => c.charCodeAt(0));
    for (let i = 0; i + 3 <= w.length; i++) {
      const t = w.slice(i, i + 3);
      if (!byTrigram.has(t)) byTrigram.set(t, []);
      byTrigram.get(t)!.push({ word, offset: i });
    }
  }
  const wordAt = (bytes: Uint8Array, at: number, lo: number, hi: number, trigram: string): boolean => {
    for (const { word, offset } of byTrigram.get(trigram) ?? []) {
      const start = at - offset;
      if (start < lo || start + word.length > hi) continue;
      let k = 0;
      while (k < word.length && lower(bytes[start + k]) === word[k]) k++;
      if (k === word.length) return true;
    }
    return false;
  };
  return (bytes, at, lo, hi) => {
    const trigram = String.fromCharCode(lower(bytes[at]), lower(bytes[at + 1]), lower(bytes[at + 2]));
    let end = at;
    const ceiling = Math.min(hi, at + maxSegment);
    if (trigram !== 'nan' && trigram !== 'inf') {
      if (!wordAt(bytes, at, lo, hi, trigram)) return { keep: false, end: at + 1 };
      while (end < ceiling && !isTerminator(bytes[end])) end++;
      return { keep: true, end };
    }
    let start = at;
    const floor = Math.max(lo, at - BEFORE);
    while (start > floor && !isTerminator(bytes[start - 1])) start--;
    while (end < ceiling && !isTerminator(bytes[end])) end++;
    // A segment cut by the buffer's edge is not judged here: the analyzer reads it whole.
    if ((start === lo && lo > 0) || end === ceiling) return { keep: true, end };
    const text = Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start).toString('latin1');
    // An incident word may hold `nan`/`inf` itself ("nan or inf found"): the value rule is not its only test.
    return hasValue(text) || wordAt(bytes, at, lo, hi, trigram) ? { keep: true, end } : { keep: false, end: at + 1 };
  };
}
