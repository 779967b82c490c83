import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyze } from '../../src/engine/diagnose.ts';
import { applyEdits, byCode, expectAtMost, expectNothingRisky, expectOne, fixture, fixtureText, run } from './helpers.ts';

const HIGH = 'mmengine/upernet_swin_amp_high_lr.py';
const OK = 'mmengine/upernet_swin_amp.py';

test('mmengine: AdamW lr=0.01 and clip_grad=None while gradient norms spike', async () => {
  const runs = [run({ line: 1402, step: 650, metric: 'loss', before: [{ line: 1400, step: 600, event: 'grad-norm-spike' }] })];
  const d = analyze(runs, [await fixture(HIGH)]);
  const lr = expectOne(d, 'learning-rate', 'error', HIGH, 16);
  assert.equal(applyEdits(fixtureText(HIGH), lr.fixes[0].edits).split('\n')[15], "    optimizer=dict(type='AdamW', lr=0.001, betas=(0.9, 0.999), weight_decay=0.01),");
  const clip = expectOne(d, 'gradient-clipping', 'error', HIGH, 17);
  assert.match(clip.message, /gradient clipping is off \(clip_grad: None\)/);
  // the LinearLR warmup (end=1500) counts as warmup; AmpOptimWrapper is fp16 AMP with fp32 master weights
  assert.equal(byCode(d, 'warmup').length, 0);
  expectAtMost(d, 'precision', 'information');
});

test('mmengine: lr=6e-05 with clip_grad max_norm 1.0 is cleared', async () => {
  const d = analyze([run({ line: 1402, step: 650, metric: 'loss' })], [await fixture(OK)]);
  expectNothingRisky(d);
  expectOne(d, 'learning-rate', 'information', OK, 16);
  expectOne(d, 'gradient-clipping', 'information', OK, 17);
});
