import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyze } from '../../src/engine/diagnose.ts';
import { applyEdits, expectAtMost, expectOne, fixture, fixtureText, run, expectOnly16BitSuspects } from './helpers.ts';

const SCALED = 'diffusers/train_text_to_image_scale_lr.sh';
const PLAIN = 'diffusers/train_text_to_image.sh';

test('diffusers launch script: --scale_lr multiplies 1e-4 by batch 16 × accumulation 4 into a high learning rate', async () => {
  const d = analyze([run({ line: 211, step: 35, metric: 'step_loss' })], [await fixture(SCALED)]);
  const lr = expectOne(d, 'learning-rate', 'error', SCALED, 14);
  assert.match(lr.message, /learning_rate 1e-04 \(effective 6\.4e-3 = 1e-04 × 16 \(batch\) × 4 \(accumulation\) × 1 \(processes\) from scale_lr\) is high for an Adam-type optimizer \(above 5e-4\)/);
  assert.deepEqual(lr.change, { learning_rate: 1e-5 });
  const off = lr.fixes.find((f) => f.title === 'Turn scale_lr off');
  assert.ok(off, 'a fix that turns scale_lr off');
  assert.equal(applyEdits(fixtureText(SCALED), off.edits).split('\n')[14], '   \\');
  // accelerate's --mixed_precision="fp16" keeps fp32 master weights
  expectAtMost(d, 'precision', 'information');
  expectAtMost(d, 'optimizer-epsilon', 'information');
  expectAtMost(d, 'gradient-clipping', 'information');
});

test('diffusers launch script: 1e-5 without scale_lr is cleared', async () => {
  const d = analyze([run({ line: 211, step: 35, metric: 'step_loss' })], [await fixture(PLAIN)]);
  // nothing but fp16 AMP, the usual suspect of a 16-bit run
  expectOnly16BitSuspects(d, `${PLAIN}:5`);
  const lr = expectOne(d, 'learning-rate', 'information', PLAIN, 14);
  assert.match(lr.message, /1e-05 is not high for an Adam-type optimizer/);
});
