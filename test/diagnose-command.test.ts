// Flags on the command line a log printed override the config; they are diagnosed on that log line, with no edit to the log.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { diagnose } from '../src/engine/diagnose.ts';

test('--learning_rate=1e-2 and --max_grad_norm 0 on the logged command line beat the config', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'nan-doctor-command-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const command = 'python train.py --config cfg.yaml --learning_rate=1e-2 --max_grad_norm 0';
  writeFileSync(join(dir, 'train.log'), `$ ${command}\nstep 1 loss 2.3\nstep 2 loss nan\n`);
  writeFileSync(join(dir, 'cfg.yaml'), 'learning_rate: 1.0e-5\nmax_grad_norm: 1.0\n');
  writeFileSync(
    join(dir, 'train.py'),
    'import argparse\np = argparse.ArgumentParser()\np.add_argument("--config", default="cfg.yaml")\np.add_argument("--learning_rate", type=float, default=1e-5)\nfor b in loader:\n    loss.backward()\n    optimizer.step()\n',
  );
  const r = await diagnose({ root: dir });
  assert.equal(r.runs[0].command, command);
  const lr = r.diagnostics.find((d) => d.code === 'learning-rate');
  assert.equal(lr?.file, 'train.log');
  assert.equal(lr.severity, 'error');
  assert.deepEqual(lr.range.start, { line: 0, character: 2 + command.indexOf('1e-2') });
  assert.deepEqual(lr.fixes, [], 'a log is never edited');
  assert.deepEqual(lr.change, { learning_rate: 1e-3 });
  const clip = r.diagnostics.find((d) => d.code === 'gradient-clipping');
  assert.equal(clip?.file, 'train.log');
  assert.match(clip.message, /gradient clipping is off \(max_grad_norm: 0\)/);
  assert.ok(!r.diagnostics.some((d) => d.file === 'cfg.yaml' && d.severity !== 'information'), 'the overridden config values are not blamed');
});
