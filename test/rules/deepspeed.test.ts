import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyze } from '../../src/engine/diagnose.ts';
import { applyEdits, byCode, expectNothingRisky, expectOne, fixture, fixtureText, run } from './helpers.ts';

const SCALE32 = 'deepspeed/ds_config_scale32.json';
const BF16 = 'deepspeed/ds_config_bf16.json';

test('DeepSpeed: initial_scale_power 32 and an overflow cascade that did not recover', async () => {
  const runs = [run({ line: 300, step: 14, metric: null, value: 'overflow', kind: 'overflow', before: [{ line: 296, step: 13, event: 'loss-scale' }] })];
  const d = analyze(runs, [await fixture(SCALE32)]);
  const power = expectOne(d, 'loss-scale', 'error', SCALE32, 27);
  assert.match(power.message, /initial_scale_power 32 starts the loss scale at 2\^32/);
  assert.equal(applyEdits(fixtureText(SCALE32), power.fixes[0].edits).split('\n')[26], '    "initial_scale_power": 16,');
  const floor = byCode(d, 'loss-scale').find((x) => x.range.start.line + 1 === 30);
  assert.ok(floor, 'the min_loss_scale floor is named');
  const p = expectOne(d, 'precision', 'error', SCALE32, 25);
  assert.match(p.message, /bf16 has fp32's exponent range/);
  assert.deepEqual(p.change, { mixed_precision: 'bf16' });
  // DeepSpeed's fp16 optimizer keeps fp32 master weights: eps 1e-8 is not the cause
  expectOne(d, 'optimizer-epsilon', 'information', SCALE32, 11);
  expectOne(d, 'gradient-clipping', 'information', SCALE32, 23);
});

test('DeepSpeed: bf16 with the default scale power is cleared', async () => {
  const d = analyze([run({ line: 300, step: 14, metric: 'loss' })], [await fixture(BF16)]);
  expectNothingRisky(d);
  assert.equal(byCode(d, 'loss-scale').length, 0);
  expectOne(d, 'learning-rate', 'information', BF16, 9);
});

test('DeepSpeed: without an incident a 2^32 starting scale is only a warning', async () => {
  const d = analyze([{ log: 'logs/train.log', formats: [], incident: null, steps: { first: 1, last: 100 } }], [await fixture(SCALE32)]);
  expectOne(d, 'loss-scale', 'warning', SCALE32, 27);
});
