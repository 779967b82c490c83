// "Use My Model…": the probe's model (and the batch exported beside it) written into the workspace's
// nan-doctor.json, keeping the rest of the file (comments, other keys, its indentation) as it was.
import { applyEdits, modify, type FormattingOptions } from 'jsonc-parser/lib/esm/main.js';
import { basename, dirname, extname, join, relative, sep } from 'node:path';

/** The batch the ONNX snippet saves beside the model: `NAME.npz`, else `batch.npz` in the same folder. */
export function batchBeside(model: string, exists: (path: string) => boolean): string | null {
  if (extname(model).toLowerCase() !== '.onnx') return null;
  const candidates = [join(dirname(model), `${basename(model, extname(model))}.npz`), join(dirname(model), 'batch.npz')];
  return candidates.find(exists) ?? null;
}

/** A path as nan-doctor.json holds it: workspace-relative with forward slashes when inside the folder. */
export function workspacePath(abs: string, root: string): string {
  const r = relative(root, abs);
  return r.startsWith('..') || r === '' || /^[a-zA-Z]:/.test(r) ? abs : r.split(sep).join('/');
}

/** nan-doctor.json's text with probe.model (and probe.data when given) set; `text` is null when there is no file yet. */
export function withProbeModel(text: string | null, model: string, data: string | null): string {
  const indent = /\n([ \t]+)"/.exec(text ?? '')?.[1] ?? '  ';
  const formatting: FormattingOptions = { insertSpaces: !indent.includes('\t'), tabSize: indent.includes('\t') ? 1 : indent.length, eol: text?.includes('\r\n') ? '\r\n' : '\n' };
  let out = text === null || text.trim() === '' ? '{}' : text;
  const set = (path: string[], value: string | undefined): void => {
    out = applyEdits(out, modify(out, path, value, { formattingOptions: formatting }));
  };
  set(['probe', 'model'], model);
  // A batch from another export would not fit the new graph's inputs: drop it unless one sits beside the model.
  set(['probe', 'data'], data ?? undefined);
  return out.endsWith('\n') ? out : `${out}\n`;
}
