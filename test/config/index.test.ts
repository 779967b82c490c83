import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { languageOf, locate, locateFile } from '../../src/engine/config/index';
import { fixtures, value } from './helpers';

test('locate picks the locator by extension, then by #! line or content', () => {
  assert.equal(languageOf('a/b.yml'), 'yaml');
  assert.equal(languageOf('ds.jsonc'), 'json');
  assert.equal(languageOf('train.toml'), 'toml');
  assert.equal(languageOf('train.py'), 'python');
  assert.equal(languageOf('job.sbatch'), 'shell');
  assert.equal(languageOf('run.slurm'), 'shell');
  assert.equal(languageOf('setup.cfg'), 'ini');
  assert.equal(languageOf('run', '#!/usr/bin/env bash\npython train.py\n'), 'shell');
  assert.equal(languageOf('train', '#!/usr/bin/env python3\nimport torch\n'), 'python');
  assert.equal(languageOf('config', '{ "lr": 1 }'), 'json');
  assert.equal(languageOf('hparams', 'lr: 0.1\nepochs: 3\n'), 'yaml');
  assert.equal(languageOf('README'), null);
});

test('locate reads a #! shell script without an extension, and an INI file', async () => {
  const sh = await locate('run', '#!/bin/bash\npython train.py --lr 3e-4\n');
  assert.equal(sh.language, 'shell');
  assert.equal(value(sh, 'lr').value, 3e-4);
  const ini = await locate('setup.cfg', '[optim]\nlr = 1e-3  ; peak\neps: 1e-8\n');
  assert.equal(value(ini, 'optim.lr').text, '1e-3');
  assert.deepEqual(value(ini, 'optim.eps').range, { start: { line: 2, character: 5 }, end: { line: 2, character: 9 } });
  const unknown = await locate('notes.txt', 'hello');
  assert.match(unknown.error ?? '', /notes\.txt: not a config format/);
});

test('locateFile: unreadable, missing, binary, huge and directory inputs give a clear error, never a throw', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'nan-doctor-locate-'));
  try {
    const missing = await locateFile(join(dir, 'nope.yaml'), 'configs/nope.yaml');
    assert.equal(missing.error, 'configs/nope.yaml: cannot read: no such file');
    assert.deepEqual(missing.values, []);

    writeFileSync(join(dir, 'weights.json'), Buffer.from([0x7b, 0x00, 0x01, 0x02, 0x7d]));
    assert.match((await locateFile(join(dir, 'weights.json'), 'weights.json')).error ?? '', /weights\.json: is a binary file/);

    writeFileSync(join(dir, 'huge.yaml'), Buffer.alloc(5 * 1024 * 1024, 0x61));
    assert.match((await locateFile(join(dir, 'huge.yaml'), 'huge.yaml')).error ?? '', /huge\.yaml: is 5\.0 MB, too large/);

    mkdirSync(join(dir, 'configs.yaml'));
    assert.match((await locateFile(join(dir, 'configs.yaml'), 'configs.yaml')).error ?? '', /is a directory/);

    if (process.getuid?.() !== 0) {
      writeFileSync(join(dir, 'secret.yaml'), 'lr: 1\n');
      chmodSync(join(dir, 'secret.yaml'), 0o000);
      assert.match((await locateFile(join(dir, 'secret.yaml'), 'secret.yaml')).error ?? '', /permission denied/);
    }

    // A byte-order mark does not shift ranges.
    writeFileSync(join(dir, 'bom.yaml'), '\uFEFFsolver:\n  adam_epsilon: 1.0e-8\n');
    const bom = await locateFile(join(dir, 'bom.yaml'), 'bom.yaml');
    assert.deepEqual(value(bom, 'solver.adam_epsilon').range, { start: { line: 1, character: 16 }, end: { line: 1, character: 22 } });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('locateFile reads a fixture from disk under its display path', async () => {
  const f = await locateFile(join(fixtures, 'deepspeed/ds_config_zero2.json'), 'ds_config.json');
  assert.equal(f.file, 'ds_config.json');
  assert.equal(value(f, 'optimizer.params.eps').file, 'ds_config.json');
});
