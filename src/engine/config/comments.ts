// The `#` comments of a file (YAML, Python, shell, TOML, INI), with their 0-based lines: where people write
// what a setting was tuned for (`lr=0.0004, #/8*gpu_number`, `BASE_LR: 0.01  # for 16 images (8 GPUs x 2)`).

/** Each comment's text (without `#`) and 0-based line; a `#` inside quotes is not a comment. */
export function hashComments(text: string): { line: number; text: string }[] {
  const out: { line: number; text: string }[] = [];
  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n++) {
    const l = lines[n];
    if (!l.includes('#')) continue;
    let quote: string | null = null;
    for (let i = 0; i < l.length; i++) {
      const c = l[i];
      if (quote) {
        if (c === '\\') i++;
        else if (c === quote) quote = null;
      } else if (c === '"' || c === "'") quote = c;
      else if (c === '#') {
        // `#!` on the first line is an interpreter line; a color like `#fff` in a value is not a comment start.
        if (n === 0 && l[i + 1] === '!') break;
        if (i > 0 && !/\s|[,(\[{]/.test(l[i - 1])) continue;
        const t = l.slice(i + 1).trim();
        if (t) out.push({ line: n, text: t });
        break;
      }
    }
  }
  return out;
}
