// What the fast path searches for, derived from the format table and the non-finite token rule, never kept
// by hand: `nan`, `inf`, and the formats' `words` (lines that are non-finite without such a token).
import { textFormats } from './formats/index';

/** Lower-case words that make a line worth the full analyzer even without a `nan`/`inf` token. */
export const incidentWords: string[] = [...new Set(textFormats.flatMap((f) => f.words ?? []).map((w) => w.toLowerCase()))];

/** The prefilter matches 3-byte needles, at most this many (one bit each in its byte lanes). */
export const MAX_NEEDLES = 8;

const trigrams = (word: string): string[] => {
  const out: string[] = [];
  for (let i = 0; i + 3 <= word.length; i++) {
    const t = word.slice(i, i + 3);
    if (/^[a-z]{3}$/.test(t) && t !== 'nan' && t !== 'inf') out.push(t);
  }
  return out;
};

/**
 * The fewest trigrams that cover every word (greedy set cover). Among equally good ones the trigram least
 * frequent in `common` wins, so ordinary log lines rarely wake the analyzer.
 */
export function coverWords(words: string[], common: string, limit: number): string[] {
  const frequency = (t: string) => common.split(t).length - 1;
  const left = new Set(words);
  const chosen: string[] = [];
  while (left.size > 0) {
    const gain = new Map<string, number>();
    for (const w of left) for (const t of new Set(trigrams(w))) gain.set(t, (gain.get(t) ?? 0) + 1);
    if (gain.size === 0) throw new Error(`a search word has no three letters in a row: ${[...left].join(', ')}`);
    const best = [...gain].sort((a, b) => b[1] - a[1] || frequency(a[0]) - frequency(b[0]) || (a[0] < b[0] ? -1 : 1))[0][0];
    chosen.push(best);
    for (const w of [...left]) if (w.includes(best)) left.delete(w);
  }
  if (chosen.length > limit) throw new Error(`the search words need ${chosen.length} needles; the prefilter has room for ${limit}`);
  return chosen;
}

// Everyday training-log vocabulary: needles common here would stop the prefilter on most lines.
const COMMON = [
  'epoch step iteration iter loss lr learning rate grad norm time data memory eta batch train training validation',
  'info warning debug error saving checkpoint model config loading dataset samples tokens throughput accuracy',
  'precision scale optimizer scheduler warmup global rank world process device cuda gpu mean total average',
].join(' ');

/** The prefilter's needles: the value tokens, then a cover of the incident words. */
export const needles: string[] = ['nan', 'inf', ...coverWords(incidentWords, COMMON, MAX_NEEDLES - 2)];
