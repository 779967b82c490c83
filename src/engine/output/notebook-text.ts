// A notebook cell's outputs as one training-output text, the same way for a saved .ipynb and for a cell
// streaming in the editor; and what changed since the last look at a streaming cell.
// No Node imports: the VS Code client uses it too.

/** One output's text in order (contract: stream and text/plain outputs joined in order); each output starts on a line of its own, as a notebook shows it. */
export function joinOutputTexts(texts: string[]): string {
  let out = '';
  for (const t of texts) {
    if (t === '') continue;
    if (out !== '' && !out.endsWith('\n')) out += '\n';
    out += t;
  }
  return out;
}

const asText = (v: unknown): string => (typeof v === 'string' ? v : Array.isArray(v) ? v.filter((x) => typeof x === 'string').join('') : '');

/** The text of a saved cell's outputs (nbformat 4: `stream` text, `execute_result` / `display_data` text/plain). */
export function nbformatOutputText(outputs: unknown): string {
  if (!Array.isArray(outputs)) return '';
  const texts: string[] = [];
  for (const o of outputs) {
    if (!o || typeof o !== 'object') continue;
    const out = o as { output_type?: unknown; text?: unknown; data?: Record<string, unknown> };
    if (out.output_type === 'stream') texts.push(asText(out.text));
    else if ((out.output_type === 'execute_result' || out.output_type === 'display_data') && out.data && typeof out.data === 'object') texts.push(asText(out.data['text/plain']));
  }
  return joinOutputTexts(texts);
}

/**
 * How a streaming cell's text moved on from what was already read: `append` more text; `redraw` the unfinished
 * last line (the editor keeps only the last of a `\r` redraw, as tqdm does); or `reset` (cleared or rewritten: read anew).
 */
export type OutputDelta = { op: 'append' | 'redraw' | 'reset'; text: string } | null;

export function outputDelta(before: string, now: string): OutputDelta {
  if (now === before) return null;
  if (now.startsWith(before)) return { op: 'append', text: now.slice(before.length) };
  const finished = before.lastIndexOf('\n') + 1;
  if (finished < before.length && now.length >= finished && now.startsWith(before.slice(0, finished))) return { op: 'redraw', text: now.slice(finished) };
  return { op: 'reset', text: now };
}

/** What a reader is fed for a delta, so that a redraw reads as the carriage return it was. */
export function deltaBytes(delta: { op: 'append' | 'redraw' | 'reset'; text: string }): string {
  return delta.op === 'redraw' ? `\r${delta.text}` : delta.text;
}
