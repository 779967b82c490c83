// Bad input loses nothing: a malformed config or an unreadable file is reported by name and the rest is still diagnosed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { diagnose } from '../src/engine/diagnose.ts';

const EXAMPLE = join(__dirname, '..', 'examples', 'hallo-stage1');

function workspace(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'nan-doctor-diagnose-'));
  cpSync(EXAMPLE, dir, { recursive: true });
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('of two configs named with --config, the malformed one is reported and the other is still diagnosed', async (t) => {
  const dir = workspace(t);
  writeFileSync(join(dir, 'configs/train/broken.yaml'), 'solver:\n  learning_rate: [1.0e-5\n  adam_epsilon: 1.0e-8\n');
  const r = await diagnose({ root: dir, configs: ['configs/train/broken.yaml', 'configs/train/stage1.yaml'] });
  const err = r.errors?.find((e) => e.file === 'configs/train/broken.yaml');
  assert.ok(err, `broken.yaml is named in errors: ${JSON.stringify(r.errors)}`);
  assert.match(err.message, /YAML/);
  assert.match(err.message, /line \d+/);
  assert.ok(r.diagnostics.some((d) => d.file === 'configs/train/stage1.yaml' && d.code === 'optimizer-epsilon' && d.severity === 'error'));
  assert.ok(!r.diagnostics.some((d) => d.file === 'configs/train/broken.yaml'));
});

test('when the run\'s own config is malformed, the script and the log are still diagnosed', async (t) => {
  const dir = workspace(t);
  const config = join(dir, 'configs/train/stage1.yaml');
  writeFileSync(config, readFileSync(config, 'utf8').replace('  adam_epsilon: 1.0e-8', '  adam_epsilon: "1.0e-8'));
  const r = await diagnose({ root: dir });
  const err = r.errors?.find((e) => e.file === 'configs/train/stage1.yaml');
  assert.ok(err, `stage1.yaml is named in errors: ${JSON.stringify(r.errors)}`);
  assert.ok(r.diagnostics.some((d) => d.code === 'first-nonfinite' && d.file === 'logs/train.log'));
  assert.ok(r.diagnostics.some((d) => d.code === 'validation-frequency' && d.file === 'scripts/train_stage1.py'));
});

test('a missing log and a binary "config" are named with their reason; the readable log is still scanned', async (t) => {
  const dir = workspace(t);
  writeFileSync(join(dir, 'configs/weights.json'), Buffer.from([0x7b, 0x00, 0x01, 0x02, 0x00, 0x7d]));
  const r = await diagnose({ root: dir, logs: ['logs/train.log', 'logs/missing.log'], configs: ['configs/weights.json', 'configs/train/stage1.yaml'] });
  assert.deepEqual(
    (r.errors ?? []).map((e) => e.file).sort(),
    ['configs/weights.json', 'logs/missing.log'],
  );
  assert.match(r.errors!.find((e) => e.file === 'logs/missing.log')!.message, /no such file/);
  assert.match(r.errors!.find((e) => e.file === 'configs/weights.json')!.message, /binary/);
  assert.equal(r.runs.length, 1);
  assert.equal(r.runs[0].incident?.step, 2);
  assert.ok(r.diagnostics.some((d) => d.code === 'optimizer-epsilon' && d.severity === 'error'));
});
