// Notebooks (.ipynb) as training scripts: the code cells read as one Python file, with a map from its
// lines back to each cell, so settings and script facts land on the cell that holds them.
import type { LocatedFile } from '../types';
import { locatePython } from './python';

/** Where one code cell's lines sit in the joined Python text. */
export interface CellSpan {
  /** 1-based index among all cells, as stored (markdown cells count). */
  cell: number;
  /** 0-based first line in the joined text. */
  start: number;
  lines: number;
}

/** The name the joined code is located under, distinct from the notebook's outputs (a run's log). */
export const notebookCodeName = (file: string): string => `${file} (code cells)`;

const sourceText = (v: unknown): string => (typeof v === 'string' ? v : Array.isArray(v) ? v.filter((x) => typeof x === 'string').join('') : '');

/** The code cells joined into one Python text; IPython magics and shell escapes become comments, same columns. */
export function notebookCode(text: string): { python: string; cells: CellSpan[] } {
  const cells = (JSON.parse(text) as { cells?: unknown } | null)?.cells;
  if (!Array.isArray(cells)) throw new Error('no cells list: not a Jupyter notebook (nbformat 4)');
  const out: string[] = [];
  const spans: CellSpan[] = [];
  cells.forEach((c, i) => {
    const cell = c as { cell_type?: unknown; source?: unknown } | null;
    if (cell?.cell_type !== 'code') return;
    const lines = sourceText(cell.source).replace(/\r\n?/g, '\n').split('\n');
    spans.push({ cell: i + 1, start: out.length, lines: lines.length });
    for (const line of lines) out.push(line.replace(/^(\s*)[%!]/, '$1#'));
  });
  return { python: out.join('\n'), cells: spans };
}

export async function locateNotebook(file: string, text: string): Promise<LocatedFile> {
  const { python, cells } = notebookCode(text);
  const located = await locatePython(notebookCodeName(file), python);
  return { ...located, notebook: { file, cells } };
}

/** The cell and 0-based line within it of a 0-based line of the joined text. */
export function cellOfLine(cells: CellSpan[], line: number): { cell: number; line: number } | null {
  for (const span of cells) if (line >= span.start && line < span.start + span.lines) return { cell: span.cell, line: line - span.start };
  return null;
}
