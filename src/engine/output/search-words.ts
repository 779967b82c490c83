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
 * whose trigrams occur in the fewest lines of `common` (a small exact search: each uncovered word branches
 * on its own trigrams).
 */
export function coverWords(words: string[], common: string[], limit: number): string[] {
  const lower = common.map((l) => l.toLowerCase());
  const costs = new Map<string, number>();
  const cost = (t: string) => costs.get(t) ?? costs.set(t, 1 + lower.filter((l) => l.includes(t)).length).get(t)!;
  let best: { chosen: string[]; cost: number } | null = null;
  const search = (left: string[], chosen: string[], total: number): void => {
    if (best && total >= best.cost) return;
    if (left.length === 0) {
      best = { chosen, cost: total };
      return;
    }
    if (chosen.length === limit) return;
    for (const t of new Set(trigrams(left[0]))) search(left.filter((w) => !w.includes(t)), [...chosen, t], total + cost(t));
  };
  search(words, [], 0);
  if (!best) throw new Error(`the search words (${words.join(', ')}) need more than the prefilter's ${limit} needles`);
  return (best as { chosen: string[] }).chosen;
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
