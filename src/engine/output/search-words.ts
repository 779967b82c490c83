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
 * At most `limit` trigrams that cover every word, stopping as rarely as possible on ordinary lines: the cover
 * whose trigrams occur in the fewest lines of `common`. An exact search over which words are covered (each
 * step covers the first uncovered word with one of its trigrams), remembered per state, so it stays small.
 */
export function coverWords(words: string[], common: string[], limit: number): string[] {
  const lower = common.map((l) => l.toLowerCase());
  const full = (1 << words.length) - 1;
  const options = [...new Set(words.flatMap(trigrams))].map((t) => ({
    t,
    cost: 1 + lower.filter((l) => l.includes(t)).length,
    mask: words.reduce((m, w, i) => (w.includes(t) ? m | (1 << i) : m), 0),
  }));
  const memo = new Map<number, { cost: number; chosen: string[] } | null>();
  const best = (covered: number, left: number): { cost: number; chosen: string[] } | null => {
    if (covered === full) return { cost: 0, chosen: [] };
    if (left === 0) return null;
    const key = covered * 16 + left;
    if (memo.has(key)) return memo.get(key)!;
    const first = words.findIndex((_, i) => !(covered & (1 << i)));
    let found: { cost: number; chosen: string[] } | null = null;
    for (const o of options) {
      if (!(o.mask & (1 << first))) continue;
      const rest = best(covered | o.mask, left - 1);
      if (rest && (!found || o.cost + rest.cost < found.cost)) found = { cost: o.cost + rest.cost, chosen: [o.t, ...rest.chosen] };
    }
    memo.set(key, found);
    return found;
  };
  const cover = best(0, limit);
  if (!cover) throw new Error(`the search words (${words.join(', ')}) need more than the prefilter's ${limit} needles`);
  return cover.chosen;
}

// What ordinary lines look like: the formats' own sample lines, and words training logs print all the time.
const EVERYDAY = [
  'Loading checkpoint shards from the dataloader; loaded model weights',
  'Saving model checkpoint; saved; removed old checkpoints; moved to device',
  'val_loss improved from 0.53 to 0.51; above threshold',
  'Training finished; final evaluation; fine-tuning; initialize; init; iteration; unit',
  'learning rate scheduler; scaler; scaled loss; scale',
  'already; alright; overview; over; cover; invoke; involved; inverse',
];
const COMMON = [...EVERYDAY, ...textFormats.flatMap((f) => f.samples.flatMap((s) => [...(s.context ?? []), s.line]))];

/** The prefilter's needles: the value tokens, then a cover of the incident words. */
export const needles: string[] = ['nan', 'inf', ...coverWords(incidentWords, COMMON, MAX_NEEDLES - 2)];
