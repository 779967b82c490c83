import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fp16Headroom, ProbeRecorder, scaledStats, summarize, toLayerStats } from '../../src/probe/replay/probes';
import { clipGradNorm } from '../../src/probe/replay/clip';
import { roundArray, toFp16 } from '../../src/probe/replay/precision';

test('summarize counts NaN and Inf and describes only the finite values', () => {
  const s = summarize([Float32Array.from([1, -3, NaN, Infinity]), [2, -Infinity]]);
  assert.equal(s.nanCount, 1);
  assert.equal(s.infCount, 2);
  assert.equal(s.min, -3);
  assert.equal(s.max, 2);
  assert.equal(s.absMax, 3);
  assert.equal(s.mean, 0);
  assert.ok(Math.abs(s.std - Math.sqrt(14 / 3)) < 1e-12);
  assert.equal(s.sumSquares, 14);
  const empty = summarize([[NaN]]);
  assert.equal(empty.nanCount, 1);
  assert.equal(empty.absMax, 0);
});

test('fp16 headroom is log2(65504 / absMax), capped for zero', () => {
  assert.equal(fp16Headroom(65504), 0);
  assert.ok(Math.abs(fp16Headroom(1) - Math.log2(65504)) < 1e-12);
  assert.ok(Number.isFinite(fp16Headroom(0)));
  assert.ok(fp16Headroom(131008) < 0);
});

test('first non-finite is the first a log would show; origin is the first of any phase', () => {
  const rec = new ProbeRecorder(true);
  rec.record(1, 'dense', 'forward', [[1, 2]]);
  rec.record(1, 'dense', 'optimizer-state', [[0, 0]]);
  rec.record(1, 'dense', 'update', [[Infinity]], { updateRatio: Infinity, weightNorm: 2 });
  rec.record(2, 'dense', 'backward', [[NaN]], {}, false); // a skipped loss-scaler overflow does not count
  rec.record(2, 'dense', 'forward', [[NaN]]);
  assert.deepEqual(rec.origin, { iteration: 1, layer: 'dense', phase: 'update' });
  assert.deepEqual(rec.firstNonFinite, { iteration: 2, layer: 'dense', phase: 'forward' });
  const update = rec.stats[2];
  assert.equal(update.updateRatio, undefined, 'a non-finite ratio is left out of the JSON');
  assert.equal(update.weightNorm, 2);
  assert.equal(rec.stats.length, 5);
  assert.doesNotThrow(() => JSON.parse(JSON.stringify(rec.stats)));
});

test('an unprobed recorder keeps no statistics but still marks what it is told', () => {
  const rec = new ProbeRecorder(false);
  rec.record(1, 'input', 'input', [[NaN]]);
  assert.equal(rec.stats.length, 0);
  assert.deepEqual(rec.firstNonFinite, { iteration: 1, layer: 'input', phase: 'input' });
});

test('clip statistics derived from the backward ones match a recount after clipping', () => {
  const grads = roundArray(Float32Array.from({ length: 4000 }, (_, i) => Math.sin(i * 12.9898) * (i % 7 === 0 ? 3 : 0.01)), 'fp16');
  for (const [maxNorm, poison] of [[1, null], [0.01, null], [1, Infinity], [1, NaN]] as const) {
    const g = grads.slice();
    if (poison !== null) g[5] = poison;
    const before = toLayerStats(1, 'dense', 'backward', summarize([g]));
    const { coefficient } = clipGradNorm([{ values: g, precision: 'fp16' }], maxNorm);
    const derived = scaledStats(before, coefficient, toFp16, g.length);
    const actual = toLayerStats(1, 'dense', 'backward', summarize([g]));
    for (const k of ['min', 'max', 'absMax', 'nanCount', 'infCount'] as const) assert.ok(derived[k] === actual[k], `${derived[k]} vs ${actual[k]}: ` + `${k} with max_norm ${maxNorm}, poison ${poison}`);
    assert.ok(Math.abs(derived.mean - actual.mean) <= 1e-3 * Math.max(actual.std, 1e-12) + 1e-9, `mean ${derived.mean} vs ${actual.mean}`);
    assert.ok(Math.abs(derived.std - actual.std) <= 1e-3 * actual.std + 1e-9, `std ${derived.std} vs ${actual.std}`);
  }
});
