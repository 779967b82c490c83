import { test } from 'node:test';
import assert from 'node:assert/strict';
import { locate } from '../../src/engine/config/index.ts';
import { analyze } from '../../src/engine/diagnose.ts';
import { readHyperparameters } from '../../src/engine/hyperparameters/read.ts';
import { applyEdits, byCode, expectAtMost, expectOne, fixture, fixtureText, run, expectOnly16BitSuspects } from './helpers.ts';

const HIGH = 'mmengine/upernet_swin_amp_high_lr.py';
const OK = 'mmengine/upernet_swin_amp.py';

test('mmengine: AdamW lr=0.01 and clip_grad=None while gradient norms spike', async () => {
  const runs = [run({ line: 1402, step: 650, metric: 'loss', before: [{ line: 1400, step: 600, event: 'grad-norm-spike' }] })];
  const d = analyze(runs, [await fixture(HIGH)]);
  const lr = expectOne(d, 'learning-rate', 'error', HIGH, 16);
  assert.equal(applyEdits(fixtureText(HIGH), lr.fixes[0].edits).split('\n')[15], "    optimizer=dict(type='AdamW', lr=0.001, betas=(0.9, 0.999), weight_decay=0.01),");
  const clip = expectOne(d, 'gradient-clipping', 'error', HIGH, 17);
  assert.match(clip.message, /gradient clipping is off \(clip_grad: None\)/);
  // mmengine asserts clip_grad is a non-empty dict of clip_grad_norm_ arguments: `1.0` would not load
  assert.equal(applyEdits(fixtureText(HIGH), clip.fixes[0].edits).split('\n')[16], '    clip_grad=dict(max_norm=1.0),');
  // the LinearLR warmup (end=1500) counts as warmup; AmpOptimWrapper is fp16 AMP with fp32 master weights
  assert.equal(byCode(d, 'warmup').length, 0);
  expectAtMost(d, 'precision', 'information');
});

test('mmengine: lr=6e-05 with clip_grad max_norm 1.0 is cleared', async () => {
  const d = analyze([run({ line: 1402, step: 650, metric: 'loss' })], [await fixture(OK)]);
  // nothing but AmpOptimWrapper, the usual suspect of a 16-bit run
  expectOnly16BitSuspects(d, `${OK}:15`);
  expectOne(d, 'learning-rate', 'information', OK, 16);
  expectOne(d, 'gradient-clipping', 'information', OK, 17);
});

test('mmcv: grad_clip=None is fixed with the dict its optimizer hook unpacks', async () => {
  const file = 'mmengine/mmcv_grad_clip_none.py';
  const d = analyze([run({ line: 310, step: 900, metric: 'loss' })], [await fixture(file)]);
  // no spike or blow-up in this run: clipping off is not ruled out, and the fix is there for whoever turns it on
  const clip = expectOne(d, 'gradient-clipping', 'information', file, 2);
  assert.equal(applyEdits(fixtureText(file), clip.fixes[0].edits).split('\n')[1], 'optimizer_config = dict(grad_clip=dict(max_norm=1.0))');
});

test('mmengine: a LinearLR warmup with by_epoch=True ends after 1 epoch, not 1 step: no warmup diagnostic', async () => {
  const file = 'mmengine/retinanet_r50_epoch_warmup.py';
  const located = await fixture(file);
  assert.equal(readHyperparameters([located]).warmup_steps, undefined, 'end=1 counts epochs');
  const d = analyze([run({ line: 52, step: 100, metric: 'loss' })], [located]);
  assert.equal(byCode(d, 'warmup').length, 0);
  // the same scheduler without by_epoch: mmengine's default is by_epoch=True, so end is still epochs
  const noFlag = await locate(file, fixtureText(file).replace('by_epoch=True, begin=0, end=1,', 'begin=0, end=1,'));
  assert.equal(readHyperparameters([noFlag]).warmup_steps, undefined);
  // by_epoch=False: end counts iterations, and end=1 is almost no warmup
  const byIter = await locate(file, fixtureText(file).replace('by_epoch=True, begin=0, end=1,', 'by_epoch=False, begin=0, end=1,'));
  assert.equal(readHyperparameters([byIter]).warmup_steps?.value, 1);
});
