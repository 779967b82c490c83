// The generic extractor: every value slot in a line of output with its nearest label, whatever the line's
// format: `key: v`, `key=v`, `key v`, `[Key] v`, `'key': v`, `Key is v`, `| key: v |`, `obj nan, box nan`,
// `Name: tensor([…, nan, …])`. Format entries refine what it finds; it alone is enough to see a non-finite value.
import { nonFiniteValues } from '../nonfinite-tokens';
import { isLoss, isSentinel, parseValue, type ParsedValue } from '../formats/values';

export interface Slot {
  /** The nearest label as written (`grad_norm`, `D loss`, `rewards_train/chosen`), or null when the value has none. */
  label: string | null;
  value: ParsedValue;
  /** Where the value token starts. */
  index: number;
  /** A value in parentheses right after another value (`loss: 2.61 (2.42)`): a running average or a total. */
  secondary?: boolean;
}

// A number that is a value: not a date, a time, a version, a size (`7.38G`), a percentage or an `i/N` counter.
const NUMBER = /(?<![\w.:/-])[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?(?![\w.:%/-]|\.\d)/g;
const LABEL_WORD = /^[A-Za-z_][\w./@-]*$/;
// A value is no label: `nan nan nan` in a table row has none.
const NON_FINITE_WORD = /^[-+]?(?:nan|inf(?:inity)?)$/i;
const SEPARATOR_WORDS = new Set(['is', 'was', 'became', 'are', 'were', 'be', 'to', 'of']);
// The unit of the value before it, not a label's word: `7.81 iters/s loss nan`, `0.5s/it`, `120 ms`.
const UNIT_WORD = /^(?:\w+\/s(?:ec)?|s\/\w+|ms|secs?|seconds?)$/;
const WRAPPER_BEFORE = /(?:tensor|array|np\.float\d+|torch\.tensor|Tensor)?\s*[([]*\s*$/;

/** The words just before `end` that name a value: up to four, stopping at punctuation, numbers and separators. */
function labelBefore(text: string, end: number): string | null {
  let head = text.slice(Math.max(0, end - 160), end);
  // What sits between a label and its value: quotes, `:`, `=`, `=>`, `->`, `is`, `(`, `[`, wrappers.
  // A table cell's `|` (`| ep_rewmean | nan |`) separates a label from its value too.
  head = head.replace(WRAPPER_BEFORE, '').replace(/\s*(?:[:=|]|=>|->|-)?\s*['"]?\s*$/, '');
  const words = head.split(/(\s+)/);
  const label: string[] = [];
  for (let k = words.length - 1; k >= 0 && label.length < 4; k--) {
    const w = words[k];
    if (/^\s+$/.test(w)) {
      // Two spaces or a tab separate fields (`loss: 2.61  loss_cls: 0.5`): the label does not cross them.
      if (label.length > 0 && (w.length > 1 || w.includes('\t'))) break;
      continue;
    }
    if (w === '') continue;
    // A bracketed label (`[Loss] nan`, loguru-style custom loggers) is the word inside.
    const bare = w.replace(/^['"[({]+|['"]+$/g, '').replace(/^(\w[\w./@-]*)[\])]$/, (m, word: string) => (/^[[(]/.test(w) ? word : m));
    if (label.length === 0 && SEPARATOR_WORDS.has(bare.toLowerCase())) continue;
    if (!LABEL_WORD.test(bare) || /[.,;:]$/.test(bare) || NON_FINITE_WORD.test(bare) || UNIT_WORD.test(bare)) break;
    label.unshift(bare);
    // A word right after an opening bracket or quote starts the label (`[D loss: nan]`, `{'loss': nan`).
    if (bare !== w && /^['"[({]/.test(w)) break;
  }
  return label.length ? label.join(' ') : null;
}

const LIST_SO_FAR = /^\s*(?:(?:[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|[-+]?(?:[nN][aA][nN]|[iI][nN][fF](?:inity)?)|\.\.\.)\s*,\s*)+$/;

/** Where the list of values that holds `index` opens (`tensor([1.0, nan,`), when it is one: its label comes before. */
function listStart(text: string, index: number): number | null {
  const open = Math.max(text.lastIndexOf('[', index), text.lastIndexOf('(', index));
  if (open < 0 || index - open > 400) return null;
  return LIST_SO_FAR.test(text.slice(open + 1, index)) ? open : null;
}

interface Token {
  index: number;
  end: number;
  value: ParsedValue;
}

function slotAt(text: string, token: Token, previous: (Slot & { end: number }) | undefined): Slot & { end: number } {
  // `value (average)`: the parenthesised value right after another one is that label's running average.
  if (previous && /^\s*\(\s*$/.test(text.slice(previous.end, token.index))) {
    return { label: previous.label, value: token.value, index: token.index, end: token.end, secondary: true };
  }
  const start = listStart(text, token.index);
  return { label: labelBefore(text, start ?? token.index), value: token.value, index: token.index, end: token.end };
}

/** Every value slot of the text, in order. Non-finite ones come from the shared token rule (../nonfinite-tokens.ts). */
export function readSlots(text: string): Slot[] {
  const tokens: Token[] = [];
  for (const t of nonFiniteValues(text)) {
    const value = parseValue(t.token);
    if (value) tokens.push({ index: t.index, end: t.index + t.token.length, value });
  }
  for (const m of text.matchAll(NUMBER)) {
    const value = parseValue(m[0]);
    if (value) tokens.push({ index: m.index!, end: m.index! + m[0].length, value });
  }
  tokens.sort((a, b) => a.index - b.index);
  const slots: (Slot & { end: number })[] = [];
  for (const t of tokens) slots.push(slotAt(text, t, slots[slots.length - 1]));
  return slots.map(({ end: _end, ...slot }) => slot);
}

/** The non-finite slots that mean a divergence: not a sentinel (`best: inf`), not a running average. */
export function nonFiniteSlots(slots: Slot[]): Slot[] {
  // A running average that is NaN (`loss: 5.66 (nan)`) means the loss was NaN at a step the log skipped: a loss's
  // counts; a grad norm's (`grad_norm: 0.8 (nan)`) is a skipped step's, which the run recovers from.
  // (only when the value before it is finite: `loss: nan (nan)` is one non-finite loss, not two)
  return slots.filter((s, i) => {
    if (s.value.finite || (s.label && isSentinel(s.label, s.value.value))) return false;
    if (!s.secondary) return true;
    return !!s.label && isLoss(s.label) && i > 0 && slots[i - 1].value.finite;
  });
}
