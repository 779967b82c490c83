import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyze } from '../../src/engine/diagnose.ts';
import { locate } from '../../src/engine/config/index.ts';
import { applyEdits, expectAtMost, expectNothingRisky, expectOne, fixture, fixtureText, run } from './helpers.ts';

const TRUE16 = 'lightning/config_16_true.yaml';
const MIXED = 'lightning/config_16_mixed.yaml';

test("Lightning: precision '16-true' keeps the weights in fp16, so AdamW's eps 1.0e-8 is 0", async () => {
  const d = analyze([run({ line: 57, step: 12, metric: 'train_loss' })], [await fixture(TRUE16)]);
  const eps = expectOne(d, 'optimizer-epsilon', 'error', TRUE16, 26);
  assert.match(eps.message, /eps 1\.0e-8 rounds to 0 in fp16 .* \(precision: 16-true\)/);
  assert.equal(applyEdits(fixtureText(TRUE16), eps.fixes[0].edits).split('\n')[25], '    eps: 1.0e-6');
  const p = expectOne(d, 'precision', 'error', TRUE16, 7);
  assert.equal(applyEdits(fixtureText(TRUE16), p.fixes[0].edits).split('\n')[6], '  precision: 16-mixed');
  // the clip value is on and the lr (3e-4 for AdamW from scratch) is ordinary
  expectOne(d, 'gradient-clipping', 'information', TRUE16, 9);
  expectAtMost(d, 'learning-rate', 'information');
});

test("Lightning: '16-mixed' keeps fp32 master weights, so the same eps is cleared; the 16-bit precision itself is the suspect", async () => {
  const d = analyze([run({ line: 57, step: 12, metric: 'train_loss' })], [await fixture(MIXED)]);
  const eps = expectOne(d, 'optimizer-epsilon', 'information', MIXED, 26);
  assert.match(eps.message, /mixed precision keeps fp32 master weights/);
  const p = expectOne(d, 'precision', 'warning', MIXED, 7);
  assert.match(p.message, /^precision: 16-mixed runs the model in fp16; train\.log:57 shows train_loss=nan at step 12: fp16 overflows past 65504/);
  assert.equal(applyEdits(fixtureText(MIXED), p.fixes[0].edits).split('\n')[6], '  precision: bf16-mixed');
  assert.equal(applyEdits(fixtureText(MIXED), p.fixes[1].edits).split('\n')[6], '  precision: 32');
  for (const d2 of d.filter((x) => x.code !== 'precision' && x.code !== 'first-nonfinite')) assert.ok(d2.severity === 'information', `${d2.code}: ${d2.message}`);
});

test("Lightning: bf16-mixed with the same NaN is not a precision problem", async () => {
  const text = fixtureText(MIXED).replace('precision: 16-mixed', 'precision: bf16-mixed');
  const d = analyze([run({ line: 57, step: 12, metric: 'train_loss' })], [await locate(MIXED, text)]);
  expectNothingRisky(d);
});

test("Lightning: a float val_check_interval is a fraction of an epoch, not a step count", async () => {
  const runs = [run({ line: 90, step: 301, metric: 'train_loss', before: [{ line: 88, step: 300, event: 'validation' }] })];
  const d = analyze(runs, [await fixture(MIXED)]);
  const v = expectOne(d, 'validation-frequency', 'warning', MIXED, 11);
  assert.match(v.message, /validation runs every 1\.0 steps|was not scheduled by this interval/);
});
