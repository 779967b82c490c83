import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clipGradNorm } from '../../src/probe/replay/clip';
import { LossScaler } from '../../src/probe/replay/loss-scale';
import { learningRateAt } from '../../src/probe/replay/schedule';
import { decode, decodeAll, firstMismatch, fixture, type Encoded } from './helpers';

const ref = fixture<{ clip: { name: string; max_norm: number; grads: Encoded[][]; total: Encoded; after: Encoded[][] }[] }>('optimizer-reference.json');

for (const c of ref.clip) {
  test(`clip_grad_norm_ ${c.name} matches torch`, () => {
    const grads = c.grads.map((g) => ({ values: decodeAll(g), precision: 'fp32' as const }));
    const { total } = clipGradNorm(grads, c.max_norm);
    const want = decode(c.total);
    assert.ok(Number.isFinite(want) ? Math.abs(total - want) <= 1e-6 * want : Object.is(total, want) || (Number.isNaN(total) && Number.isNaN(want)), `total ${total} vs ${want}`);
    grads.forEach((g, i) => {
      const expected = decodeAll(c.after[i]);
      const bad = firstMismatch(g.values, expected, 2e-6, 1e-8);
      assert.equal(bad, -1, `grad ${i}[${bad}]: ${g.values[bad]} vs torch ${expected[bad]}`);
    });
  });
}

test('warmup follows diffusers: linear from 0, constant ignores warmup, linear decays to 0', () => {
  assert.equal(learningRateAt(1e-4, 1, 'constant_with_warmup', 4, 100), 0);
  assert.equal(learningRateAt(1e-4, 3, 'constant_with_warmup', 4, 100), 0.5e-4);
  assert.equal(learningRateAt(1e-4, 5, 'constant_with_warmup', 4, 100), 1e-4);
  assert.equal(learningRateAt(1e-4, 1, 'constant', 4, 100), 1e-4);
  assert.equal(learningRateAt(1e-4, 101, 'linear', 0, 100), 0);
  assert.ok(Math.abs(learningRateAt(1e-4, 53, 'linear', 4, 100) - 1e-4 * (48 / 96)) < 1e-12);
});

test('dynamic loss scaling: 2^16 start, halve and skip on overflow, double after the growth interval', () => {
  const s = new LossScaler('dynamic', 3);
  assert.equal(s.scale, 65536);
  const bad = [Float32Array.from([Infinity, 1])];
  assert.equal(s.unscale(bad), true);
  s.update(true);
  assert.equal(s.scale, 32768);
  const good = [Float32Array.from([32768, -16384])];
  assert.equal(s.unscale(good), false);
  assert.deepEqual(Array.from(good[0]), [1, -0.5]);
  for (let i = 0; i < 3; i++) s.update(false);
  assert.equal(s.scale, 65536);
  const fixed = new LossScaler(128);
  fixed.update(true);
  assert.equal(fixed.scale, 128);
});
