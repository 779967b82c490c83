// `nan-doctor scan` and `diagnose` on a saved notebook: the incident's cell and line, and diagnostics on the cells
// that set the hyperparameters behind it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main';

const notebook = join(__dirname, '..', 'output', 'structured', 'fixtures', 'notebooks', 'torch-tqdm.ipynb');

async function run(args: string[], cwd: string) {
  let stdout = '';
  const code = await main(args, { stdout: (s) => (stdout += s), stderr: () => undefined, cwd });
  return { code, stdout };
}

test('scan notebook.ipynb: contract field cell, line within the cell outputs; other logs say cell null', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'nd-nb-cli-'));
  copyFileSync(notebook, join(dir, 'notebook.ipynb'));
  const r = await run(['scan', '--format', 'json', 'notebook.ipynb'], dir);
  assert.equal(r.code, 1);
  const incident = JSON.parse(r.stdout).runs[0].incident;
  assert.deepEqual([incident.cell, incident.line, incident.step, incident.metric], [4, 6, 20, 'loss']);
  const text = await run(['scan', 'notebook.ipynb'], dir);
  assert.match(text.stdout, /^notebook\.ipynb cell 4:6:1: error: first non-finite value: loss = nan at step 20/);
});

test('diagnose finds the notebook, reads its code cells as the script and puts each finding on its cell', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'nd-nb-diag-'));
  copyFileSync(notebook, join(dir, 'notebook.ipynb'));
  const r = await run(['diagnose', '--format', 'json'], dir);
  const out = JSON.parse(r.stdout);
  assert.equal(out.runs[0].log, 'notebook.ipynb');
  const byCode = (code: string) => out.diagnostics.find((d: { code: string }) => d.code === code);
  assert.deepEqual([byCode('first-nonfinite').cell, byCode('first-nonfinite').range.start.line], [4, 5]);
  const eps = byCode('optimizer-epsilon');
  assert.deepEqual([eps.file, eps.cell, eps.range.start], ['notebook.ipynb', 2, { line: 4, character: 15 }]);
  assert.deepEqual(eps.fixes[0].edits[0].cell, 2, 'the quick fix edits the cell, not the outputs');
  assert.ok(eps.related.some((x: { cell?: number; line: number }) => x.cell === 4 && x.line === 6), 'related: the output line of cell 4');
  assert.equal(byCode('learning-rate').cell, 2);
  assert.match(eps.message, /notebook\.ipynb cell 3:1 torch\.nn\.Sequential/);
  assert.equal(readFileSync(join(dir, 'notebook.ipynb'), 'utf8'), readFileSync(notebook, 'utf8'), 'never written');
});
