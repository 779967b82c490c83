// Notebook code cells read as one Python file, and every place in it traced back to its cell.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cellOfLine, locateNotebook, notebookCode } from '../../src/engine/config/notebook';
import { languageOf, locate } from '../../src/engine/config/index';

const nb = (cells: { cell_type: string; source: string | string[] }[]) => JSON.stringify({ cells, nbformat: 4, nbformat_minor: 5, metadata: {} });

test('code cells joined in order; markdown cells count in the index but add no lines; magics become comments', () => {
  const text = nb([
    { cell_type: 'markdown', source: '# Title' },
    { cell_type: 'code', source: ['%matplotlib inline\n', '!pip install -q tqdm\n', 'lr = 0.1'] },
    { cell_type: 'code', source: 'opt = torch.optim.SGD(params, lr=lr)\n' },
  ]);
  const { python, cells } = notebookCode(text);
  assert.equal(python, '#matplotlib inline\n#pip install -q tqdm\nlr = 0.1\nopt = torch.optim.SGD(params, lr=lr)\n');
  assert.deepEqual(cells, [{ cell: 2, start: 0, lines: 3 }, { cell: 3, start: 3, lines: 2 }]);
  assert.deepEqual(cellOfLine(cells, 3), { cell: 3, line: 0 });
  assert.equal(cellOfLine(cells, 9), null);
  assert.equal(languageOf('train.ipynb'), 'notebook');
});

test('located values keep the joined text ranges and carry the map back to the cells', async () => {
  const located = await locateNotebook('nb.ipynb', nb([{ cell_type: 'code', source: 'import torch\n' }, { cell_type: 'code', source: 'learning_rate = 3.0\n' }]));
  assert.equal(located.file, 'nb.ipynb (code cells)');
  const lr = located.values.find((v) => v.key === 'learning_rate');
  assert.equal(lr?.range.start.line, 2);
  assert.deepEqual(located.notebook?.cells.map((c) => c.cell), [1, 2]);
});

test('not a notebook: an error for that file, never a throw', async () => {
  const bad = await locate('x.ipynb', '{"cells": 3}');
  assert.match(bad.error ?? '', /not a Jupyter notebook/);
});
