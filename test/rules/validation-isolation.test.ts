// Validation handed the live training modules without a copy (the seed's PR #133; diffusers #13124).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyze } from '../../src/engine/diagnose.ts';
import { locate } from '../../src/engine/config/index.ts';
import { applyEdits, byCode, expectOne, finiteRun, fixture, run } from './helpers.ts';

const afterValidation = run({ line: 31, step: 2, metric: 'step_loss', before: [{ line: 18, step: 1, event: 'validation' }] });

test('log_validation unwraps the training net and hands it to a pipeline: a warning where it takes it, an error when the NaN follows validation', async () => {
  const file = await fixture('validation-isolation/shared_net.py');
  const quiet = expectOne(analyze([finiteRun()], [file]), 'validation-isolation', 'warning', 'validation-isolation/shared_net.py', 14);
  assert.match(quiet.message, /log_validation takes the modules being trained \(`accelerator\.unwrap_model\(net\)`\) and hands them to a pipeline/);
  const d = expectOne(analyze([afterValidation], [file]), 'validation-isolation', 'error', 'validation-isolation/shared_net.py', 14);
  assert.match(d.message, /train\.log:18 shows validation and train\.log:31 shows step_loss=nan at step 2, right after it/);
  assert.ok(d.related.some((r) => r.line === 18 && /validation/.test(r.message)));
});

test('the deep-copy fix applies cleanly: the file parses and the diagnostic is gone', async () => {
  const path = 'validation-isolation/shared_net.py';
  const text = readFileSync(join(__dirname, 'fixtures', path), 'utf8');
  const d = expectOne(analyze([afterValidation], [await fixture(path)]), 'validation-isolation', 'error', path, 14);
  const fixed = applyEdits(text, d.fixes[0].edits);
  assert.match(fixed, /^import copy\nimport logging/m);
  assert.match(fixed, /ori_net = copy\.deepcopy\(accelerator\.unwrap_model\(net\)\)/);
  const again = await locate(path, fixed);
  assert.equal(again.error, undefined);
  assert.deepEqual(byCode(analyze([afterValidation], [again]), 'validation-isolation'), []);
});

test('not blamed: validation that already copies, and a frozen module it reads', async () => {
  assert.deepEqual(byCode(analyze([afterValidation], [await fixture('validation-isolation/copied_net.py')]), 'validation-isolation'), []);
  assert.deepEqual(byCode(analyze([afterValidation], [await fixture('validation-isolation/frozen_encoder.py')]), 'validation-isolation'), []);
});
