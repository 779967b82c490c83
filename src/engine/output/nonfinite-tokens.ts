// Which `nan` / `inf` in a line of output is a non-finite value: the one definition the fast path's
// candidate check and the generic extractor share. Word boundaries keep `INFO`, `inference`, `nanoGPT`,
// paths and file names out; the trap list keeps counters of non-finite things that are zero
// (`number of nan iterations: 0`) and "from inf" (`val_loss improved from inf to 0.53`) out.

/** The rules as regex sources, so a worker thread can rebuild them (see createValueFinder). */
export interface TokenRules {
  /** The token itself, matched where a `nan`/`inf` starts (the sign is looked at separately). */
  token: string;
  /** Text just before the token that makes it a value whatever follows (`loss: `, `loss=`, `(`, `, `, `loss is `). */
  valueBefore: string;
  /** Whatever came before, no value: where a value improved from (`Validation loss decreased (inf --> 0.6945)`), tensorboardX's `NaN or Inf found in input tensor`. */
  trapAlwaysAfter: string;
  /** The trap list, before the token: `improved from inf`, `NaN or Inf found` (a mention of both, not a value). */
  trapBefore: string;
  /**
   * The trap list, after the token: it names what a zero counter counts (`nan iterations:   0`, `nan count = 0`),
   * or it is one of two words for non-finite (`NaN or Inf found`, `nan/inf`) where nothing before makes it a value,
   * or a best-so-far follows (`Starting with inf best loss`).
   */
  trapAfter: string;
  /** A character before the token (or its sign) that puts it inside a word, a path or a file name: no value. */
  inWordBefore: string;
  /** A character after the token that continues it into a word (`nanoGPT`, `INFO`, `nan0`): no value. */
  inWordAfter: string;
}

export const tokenRules: TokenRules = {
  // Lightning's progress bar prints a non-finite float as `nan.0` / `inf.0`; PaddleOCR pads values to a width
  // with `x` (`'{:x<6f}'`), so its NaN loss is `nanxxx`.
  token: String.raw`(?:[nN][aA][nN]|[iI][nN][fF](?:[iI][nN][iI][tT][yY])?)(?:\.0+(?![\w.])|x+(?![\w.]))?`,
  valueBefore: String.raw`[:=(\[{,|]\s*|\b(?:is|was|became|become|be|are|were|got|to)\s+`,
  trapBefore: String.raw`\bfrom\s+|\b(?:nan|inf\w*)\s*(?:\bor\b|\band\b|/)\s*`,
  // (or it names a best-so-far that starts infinite: Coqui TTS's ` > Starting with inf best loss.`)
  // (one space: a field separator of two or more, `Loss nan   Epoch: 0`, starts the next field, not what nan counts)
  trapAfter: String.raw`[ \t](?![ \t])[A-Za-z_][\w ]*?\s*[:=]\s*[-+]?0+(?:\.0+)?(?![\w.])|\s*(?:\bor\b|\band\b|/)\s*(?:nan|inf)|\s+best\b`,
  // tensorboardX's `Warning: NaN or Inf found in input tensor.` is a mention whatever precedes it (the scalar it
  // refused is on a metric line of its own)
  trapAlwaysAfter: String.raw`\s*(?:-->|->|→|=>)\s*[-+]?\.?\d|\s+or\s+[iI]nf\s+found\s+in\s+input\s+tensor`,
  inWordBefore: String.raw`[\w./\\-]`,
  inWordAfter: String.raw`[\w/\\-]`,
};

export interface ValueToken {
  /** Where the token starts (at its sign, if any). */
  index: number;
  /** The token as written: `nan`, `-inf`, `NaN`, `Infinity`. */
  token: string;
}

/**
 * Builds the finder of non-finite values in a text. Self-contained on purpose (no outer names): the fast
 * path's range worker runs its source text with the same rules.
 */
export function createValueFinder(rules: TokenRules): (text: string, firstOnly?: boolean) => ValueToken[] {
  const scan = /[nN][aA][nN]|[iI][nN][fF]/g;
  const token = new RegExp(`(?:${rules.token})`, 'y');
  const valueBefore = new RegExp(`(?:${rules.valueBefore})$`);
  const trapBefore = new RegExp(`(?:${rules.trapBefore})$`, 'i');
  const trapAfter = new RegExp(`(?:${rules.trapAfter})`, 'iy');
  const trapAlwaysAfter = new RegExp(`(?:${rules.trapAlwaysAfter})`, 'y');
  const wordish = new RegExp(rules.inWordBefore);
  const continues = new RegExp(rules.inWordAfter);
  return (text, firstOnly = false) => {
    const found: ValueToken[] = [];
    scan.lastIndex = 0;
    for (let m = scan.exec(text); m; m = scan.exec(text)) {
      const at = m.index;
      const start = text[at - 1] === '-' || text[at - 1] === '+' ? at - 1 : at;
      // Not inside a word, a path, a file name or a hyphenated name.
      if (start > 0 && wordish.test(text[start - 1])) continue;
      token.lastIndex = at;
      const t = token.exec(text);
      if (!t) continue;
      const end = at + t[0].length;
      const next = text[end];
      // (a signed value in a slash-separated list, InvSR's `0.30/  +nan/0.235`, is no path)
      const signedInList = start !== at && next === '/';
      if (next !== undefined && ((continues.test(next) && !signedInList) || (next === '.' && /\w/.test(text[end + 1] ?? '')))) continue;
      trapAlwaysAfter.lastIndex = end;
      if (trapAlwaysAfter.test(text)) continue;
      const head = text.slice(Math.max(0, start - 24), start);
      if (!valueBefore.test(head)) {
        if (trapBefore.test(head)) continue;
        trapAfter.lastIndex = end;
        if (trapAfter.test(text)) continue;
      }
      found.push({ index: start, token: text.slice(start, end) });
      if (firstOnly) break;
      scan.lastIndex = end;
    }
    return found;
  };
}

const find = createValueFinder(tokenRules);

/** True when the text holds at least one non-finite value (as opposed to the letters in a word or a zero counter). */
export function hasNonFiniteValue(text: string): boolean {
  return find(text, true).length > 0;
}

/** Every non-finite value token in the text, with its position. */
export function nonFiniteValues(text: string): ValueToken[] {
  return find(text);
}
