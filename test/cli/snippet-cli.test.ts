// `nan-doctor snippet`: the export lines for the training script the diagnosis finds, as the editor copies them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main';

async function run(args: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await main(args, { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s), cwd: `${__dirname}/../..` });
  return { code, stdout, stderr };
}

test('the example: the lines name its training script and the module its optimizer trains', async () => {
  const r = await run(['snippet', 'examples/hallo-stage1']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /after scripts\/train_stage1\.py builds `net`/);
  assert.match(r.stdout, /TrainStep\(net\)/);
  assert.match(r.stdout, /torch\.onnx\.export\(/);
  assert.equal(r.stderr, '');
});

test('a folder without a training script: placeholder names and a note on stderr; a missing folder is a usage error', async () => {
  const empty = mkdtempSync(join(tmpdir(), 'nan-doctor-snippet-'));
  writeFileSync(join(empty, 'notes.txt'), 'nothing to train here\n');
  const r = await run(['snippet', empty]);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /TrainStep\(model\)/);
  assert.match(r.stderr, /no training script/);
  const missing = await run(['snippet', 'no/such/dir']);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /no such directory/);
  assert.equal((await run(['snippet', '--probe'])).code, 2);
});
