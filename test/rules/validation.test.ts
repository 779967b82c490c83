// validation-frequency on the example's real config and script, with the log showing the validation run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { locate } from '../../src/engine/config/index.ts';
import { analyze } from '../../src/engine/diagnose.ts';
import { byCode, expectOne, run } from './helpers.ts';

const ROOT = join(__dirname, '..', '..', 'examples', 'hallo-stage1');
const read = (p: string) => locate(p, readFileSync(join(ROOT, p), 'utf8'));
const CONFIG = 'configs/train/stage1.yaml';
const SCRIPT = 'scripts/train_stage1.py';

async function files() {
  return [await read(CONFIG), await read(SCRIPT)];
}

test('the log shows validation after step 1 and NaN at step 2: the hard-coded trigger is an error', async () => {
  const runs = [run({ line: 30, step: 2, metric: 'step_loss', before: [{ line: 17, step: 1, event: 'validation' }] })];
  const d = analyze(runs, await files());
  const trigger = byCode(d, 'validation-frequency').find((x) => x.file === SCRIPT);
  assert.equal(trigger?.severity, 'error');
  assert.match(trigger.message, /train\.log:17 shows validation after step 1 and train\.log:30 shows step_loss=nan at step 2, the next training step/);
  assert.deepEqual(trigger.related.map((r) => r.line), [17, 30]);
  const steps = expectOne(d, 'validation-frequency', 'warning', CONFIG, 33);
  assert.match(steps.message, /raising validation_steps alone changes nothing/);
});

test('a NaN at step 501 after the scheduled validation at 500: the interval itself is the error, no hard-coded trigger', async () => {
  const runs = [run({ line: 900, step: 501, metric: 'step_loss', before: [{ line: 880, step: 500, event: 'validation' }] })];
  const d = analyze(runs, await files());
  assert.equal(byCode(d, 'validation-frequency').filter((x) => x.file === SCRIPT).length, 0);
  const steps = expectOne(d, 'validation-frequency', 'error', CONFIG, 33);
  assert.match(steps.message, /validation runs every 500 steps \(validation_steps\)/);
});

test('no validation before the NaN and no hard-coded step before it: nothing', async () => {
  const d = analyze([run({ line: 700, step: 377, metric: 'step_loss' })], await files());
  assert.equal(byCode(d, 'validation-frequency').length, 0);
});

test('gradient clipping set absurdly high while norms spike is an error; 1.0 is cleared', async () => {
  const spike = run({ step: 90, before: [{ line: 118, step: 89, event: 'grad-norm-spike' }] });
  const huge = await locate('train.yaml', 'max_grad_norm: 1.0e+6\n');
  const c = expectOne(analyze([spike], [huge]), 'gradient-clipping', 'error', 'train.yaml', 1);
  assert.match(c.message, /max_grad_norm 1\.0e\+6 is too large to clip; gradient norms spiked at line 118/);
  assert.equal(c.fixes[0].edits[0].newText, '1.0');
  const ok = await locate('train.yaml', 'max_grad_norm: 1.0\n');
  expectOne(analyze([spike], [ok]), 'gradient-clipping', 'information', 'train.yaml', 1);
});

test('a custom loop with no clip call while norms spike: the error sits on the optimizer constructor', async () => {
  const script = await locate(
    'train.py',
    'import torch\nmodel = torch.nn.Linear(4, 4)\noptimizer = torch.optim.AdamW(model.parameters(), lr=1e-4)\nfor x, y in loader:\n    loss = torch.nn.functional.mse_loss(model(x), y)\n    loss.backward()\n    optimizer.step()\n    optimizer.zero_grad()\n',
  );
  const spike = run({ step: 90, before: [{ line: 118, step: 89, event: 'grad-norm-spike' }] });
  const c = expectOne(analyze([spike], [script]), 'gradient-clipping', 'error', 'train.py', 3);
  assert.match(c.message, /never clips gradients/);
  assert.deepEqual(c.change, { max_grad_norm: 1 });
  const clipped = await locate('train.py', 'import torch\noptimizer = torch.optim.AdamW(params, lr=1e-4)\nloss.backward()\ntorch.nn.utils.clip_grad_norm_(params, args.max_norm)\noptimizer.step()\n');
  assert.equal(byCode(analyze([spike], [clipped]), 'gradient-clipping').length, 0);
});
