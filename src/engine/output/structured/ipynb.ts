// Jupyter notebooks (.ipynb): each cell's saved text outputs read by the same text reader as a log
// (tqdm, Keras, HF dicts), the cell by cell; events carry their cell and their line within its outputs.
import { readFile } from 'node:fs/promises';
import type { TrainingEvent } from '../../types';
import { createRunAnalyzer } from '../analyzer';
import { nbformatOutputText } from '../notebook-text';
import { checkAborted } from './abort';
import type { StructuredFormat } from './types';

async function* read(path: string, signal?: AbortSignal): AsyncGenerator<TrainingEvent> {
  const text = await readFile(path, { encoding: 'utf8', signal });
  let notebook: unknown;
  try {
    notebook = JSON.parse(text);
  } catch (e) {
    throw new Error(`not a notebook: ${(e as Error).message}`);
  }
  const cells = (notebook as { cells?: unknown } | null)?.cells;
  if (!Array.isArray(cells)) throw new Error('no cells list: not a Jupyter notebook (nbformat 4)');
  for (let i = 0; i < cells.length; i++) {
    checkAborted(signal);
    const output = nbformatOutputText((cells[i] as { outputs?: unknown } | null)?.outputs);
    if (output === '') continue;
    // A reader per cell: each cell is its own stretch of output, with its own line numbers.
    const analyzer = createRunAnalyzer(path);
    const events: TrainingEvent[] = [];
    analyzer.onEvent((e) => events.push({ ...e, cell: i + 1 }));
    analyzer.feed(output);
    analyzer.end();
    yield* events;
  }
}

export const ipynb: StructuredFormat = {
  name: 'ipynb',
  matches: (path) => /\.ipynb$/i.test(path),
  read,
};
