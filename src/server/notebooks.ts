// The notebooks the client tells about: their cells as the editor has them (unsaved edits count), as the
// .ipynb text the notebook locator reads, and the cell documents diagnostics go to.
import type { NotebookCell } from '../protocol/messages.ts';

const TRAINING_CALL = /\.(fit|train|fit_one_cycle|backward|step)\s*\(|\bfor\b.*\bin\b/;

export class Notebooks {
  private readonly docs = new Map<string, { cells: NotebookCell[]; version: number }>();

  /** Records the notebook's cells; true when the code changed (the analysis reads it again). */
  update(path: string, cells: unknown): boolean {
    if (!Array.isArray(cells)) return false;
    const clean = cells
      .filter((c): c is NotebookCell => !!c && typeof c === 'object' && Number.isInteger((c as NotebookCell).index) && typeof (c as NotebookCell).uri === 'string')
      .map((c) => ({ index: c.index, uri: c.uri, kind: c.kind === 'markdown' ? ('markdown' as const) : ('code' as const), text: typeof c.text === 'string' ? c.text : '' }))
      .sort((a, b) => a.index - b.index);
    const known = this.docs.get(path);
    if (known && JSON.stringify(known.cells) === JSON.stringify(clean)) return false;
    this.docs.set(path, { cells: clean, version: (known?.version ?? 0) + 1 });
    return true;
  }

  /** One cell, as the client sent it with its output. */
  updateCell(path: string, cell: NotebookCell): boolean {
    const known = this.docs.get(path)?.cells ?? [];
    return this.update(path, [...known.filter((c) => c.index !== cell.index), cell]);
  }

  has(path: string): boolean {
    return this.docs.has(path);
  }

  /** The notebook as nbformat JSON (code and markdown cells, no outputs), with a version that changes with it. */
  text(path: string): { text: string; version: number } | undefined {
    const doc = this.docs.get(path);
    if (!doc) return undefined;
    const cells: { cell_type: string; source: string }[] = [];
    for (const c of doc.cells) {
      // Cells the client did not send (it sends them all) still hold their place in the index.
      while (cells.length < c.index) cells.push({ cell_type: 'markdown', source: '' });
      cells.push({ cell_type: c.kind, source: c.text });
    }
    return { text: JSON.stringify({ cells, nbformat: 4, nbformat_minor: 5, metadata: {} }), version: doc.version };
  }

  /** The document URI of a cell (1-based index among all cells). */
  cellUri(path: string, cell: number): string | undefined {
    return this.docs.get(path)?.cells.find((c) => c.index === cell - 1)?.uri;
  }

  /** The 0-based line of a cell's source where a run's own output is shown: its training call, else its last line. */
  outputLine(path: string, cell: number): number {
    const text = this.docs.get(path)?.cells.find((c) => c.index === cell - 1)?.text ?? '';
    const lines = text.split('\n');
    const call = lines.findIndex((l) => TRAINING_CALL.test(l) && !l.trimStart().startsWith('#'));
    if (call >= 0) return call;
    for (let i = lines.length - 1; i >= 0; i--) if (lines[i].trim() !== '') return i;
    return 0;
  }
}
