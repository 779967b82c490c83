// The fast path's second look at a prefilter hit: is it worth the full analyzer? Each hit is judged where it
// is: a hit that starts one of the incident words is kept; a `nan`/`inf` hit inside a word, a path or a file
// name (`INFO`, `inference`, `nanoGPT`, `nan.txt`) is dropped on its bytes; any other `nan`/`inf` hit goes to the
// value rule over the text from just before it to the end of its segment. A segment is kept when one of its
// hits is, so nothing is judged twice and an ordinary line costs a few byte compares.
// Self-contained on purpose (no imports, no outer names): the range worker runs its source text too.

/**
 * The verdict on the hit at `at` in `bytes[lo, hi)`, as one number so that a hit costs no allocation:
 * `>= 0`: keep it, and its segment ends there (its terminator, or where the look ahead stopped);
 * `< 0`: drop it, and the next hit may start at `-verdict - 1` (past the hit).
 */
export type CandidateFilter = (bytes: Uint8Array, at: number, lo: number, hi: number) => number;

/** Where a dropped hit lets the next one start, from a verdict < 0. */
export const nextAfterDropped = (verdict: number): number => -verdict - 1;

/**
 * `hasValue`: whether a text holds a non-finite value (../nonfinite-tokens.ts); `words`: lower-case words that
 * make a line non-finite without such a value (the formats' `words`); `inWord`: the value rule's character
 * classes before and after a token that put it inside a word. Looks at most `maxSegment` bytes ahead.
 */
export function createCandidateFilter(
  hasValue: (text: string) => boolean,
  words: string[],
  maxSegment: number,
  inWord: { inWordBefore: string; inWordAfter: string },
): CandidateFilter {
  // The value rule looks at most 24 characters before a token (and at its sign): 32 bytes before the hit suffice.
  const BEFORE = 32;
  const NAN = 0x6e616e;
  const INF = 0x696e66;
  const lower = (b: number): number => (b >= 65 && b <= 90 ? b | 0x20 : b);
  const isTerminator = (b: number): boolean => b === 10 || b === 13;
  // A byte → is it in the class, as the text the value rule reads (latin1) has it.
  const classTable = (source: string): Uint8Array => {
    const re = new RegExp(source);
    const table = new Uint8Array(256);
    for (let b = 0; b < 256; b++) table[b] = re.test(String.fromCharCode(b)) ? 1 : 0;
    return table;
  };
  const wordBefore = classTable(inWord.inWordBefore);
  const wordAfter = classTable(inWord.inWordAfter);
  const wordChar = classTable('\\w');
  const trigramAt = (bytes: Uint8Array, at: number): number => (lower(bytes[at]) << 16) | (lower(bytes[at + 1]) << 8) | lower(bytes[at + 2]);
  // Every word by each of its trigrams, with the trigram's offset in the word.
  const byTrigram = new Map<number, { word: number[]; offset: number }[]>();
  for (const w of words) {
    const word = [...w].map((c) => c.charCodeAt(0));
    for (let i = 0; i + 3 <= word.length; i++) {
      const t = (word[i] << 16) | (word[i + 1] << 8) | word[i + 2];
      if (!byTrigram.has(t)) byTrigram.set(t, []);
      byTrigram.get(t)!.push({ word, offset: i });
    }
  }
  const wordAt = (bytes: Uint8Array, at: number, lo: number, hi: number, trigram: number): boolean => {
    const candidates = byTrigram.get(trigram);
    if (candidates === undefined) return false;
    for (const { word, offset } of candidates) {
      const start = at - offset;
      if (start < lo || start + word.length > hi) continue;
      let k = 0;
      while (k < word.length && lower(bytes[start + k]) === word[k]) k++;
      if (k === word.length) return true;
    }
    return false;
  };
  // The value rule's first tests, on bytes: a token inside a word, a path or a file name is no value.
  const insideWord = (bytes: Uint8Array, at: number, lo: number, hi: number, trigram: number): boolean => {
    let start = at;
    if (start > lo && (bytes[start - 1] === 45 || bytes[start - 1] === 43)) start--; // its sign
    if (start > lo && wordBefore[bytes[start - 1]] === 1) return true;
    let end = at + 3;
    // `infinity` is one token; `inf` + `inite` is a word
    if (trigram === INF && end + 5 <= hi && lower(bytes[end]) === 105 && lower(bytes[end + 1]) === 110 && lower(bytes[end + 2]) === 105 && lower(bytes[end + 3]) === 116 && lower(bytes[end + 4]) === 121) end += 5;
    // PaddleOCR's x-padding (`nanxxx`): the token goes on through the x's, a word does not stop there
    let pad = end;
    while (pad < hi && lower(bytes[pad]) === 120) pad++;
    if (pad > end && (pad >= hi || (wordChar[bytes[pad]] !== 1 && bytes[pad] !== 46))) end = pad;
    if (end >= hi) return false;
    const next = bytes[end];
    if (wordAfter[next] === 1) return true;
    // `nan.txt` is a file name; `nan.0` (Lightning's bar) is left to the value rule
    return next === 46 && end + 1 < hi && wordChar[bytes[end + 1]] === 1 && bytes[end + 1] !== 48;
  };
  return (bytes, at, lo, hi) => {
    const trigram = trigramAt(bytes, at);
    let end = at;
    const ceiling = Math.min(hi, at + maxSegment);
    if (wordAt(bytes, at, lo, hi, trigram)) {
      while (end < ceiling && !isTerminator(bytes[end])) end++;
      return end;
    }
    if ((trigram !== NAN && trigram !== INF) || insideWord(bytes, at, lo, hi, trigram)) return -(at + 1) - 1;
    let start = at;
    const floor = Math.max(lo, at - BEFORE);
    while (start > floor && !isTerminator(bytes[start - 1])) start--;
    while (end < ceiling && !isTerminator(bytes[end])) end++;
    // A segment cut by the buffer's edge is not judged here: the analyzer reads it whole.
    if ((start === lo && lo > 0) || end === ceiling) return end;
    const text = Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start).toString('latin1');
    return hasValue(text) ? end : -(at + 1) - 1;
  };
}
