// Saved notebooks: each cell's stream and text/plain outputs read as training output; the incident names its
// cell (among all cells, markdown included) and its line within that cell's outputs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scanFile } from '../../../src/engine/output/scan';
import { fixture } from './read-all';

test('tqdm on stderr between stdout prints (saved with its carriage returns): cell 4, line 6 of its outputs', async () => {
  const run = await scanFile(fixture('notebooks', 'torch-tqdm.ipynb'), { displayName: 'torch-tqdm.ipynb' });
  assert.deepEqual(run.incident && { cell: run.incident.cell, line: run.incident.line, step: run.incident.step, metric: run.incident.metric, value: run.incident.value }, { cell: 4, line: 6, step: 20, metric: 'loss', value: 'nan' });
  // The optimizer's repr in cell 3 (`lr: 3.0`, `eps: 1e-08`) is printed settings, not an incident.
  assert.ok(run.formats.includes('tqdm'));
});

test('Keras fit() output with TerminateOnNaN, after a markdown cell: the cell index counts every cell', async () => {
  const run = await scanFile(fixture('notebooks', 'keras-fit.ipynb'));
  assert.equal(run.incident?.cell, 3);
  assert.equal(run.incident?.line, 4);
  assert.equal(run.incident?.metric, 'loss');
});

test('a finite notebook has no incident; a notebook that is not nbformat JSON is a clear error', async () => {
  assert.equal((await scanFile(fixture('notebooks', 'finite.ipynb'))).incident, null);
  const dir = mkdtempSync(join(tmpdir(), 'nd-ipynb-'));
  writeFileSync(join(dir, 'broken.ipynb'), '{"cells": [');
  await assert.rejects(scanFile(join(dir, 'broken.ipynb'), { displayName: 'broken.ipynb' }), /broken\.ipynb: not a notebook/);
  writeFileSync(join(dir, 'other.ipynb'), '{"worksheets": []}');
  await assert.rejects(scanFile(join(dir, 'other.ipynb'), { displayName: 'other.ipynb' }), /no cells list/);
});
