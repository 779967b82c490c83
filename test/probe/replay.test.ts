import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runProbe } from '../../src/probe/run';
import { createReplay } from '../../src/probe/replay/replay';

// The seed case: Hallo's image projection trained with .to(fp16) weights and torch AdamW(lr 1e-5, eps 1e-8).
const seed = { learning_rate: 1e-5, adam_epsilon: 1e-8, adam_weight_decay: 1e-2, weight_dtype: 'fp16', mixed_precision: 'no', optimizer: 'adamw', max_grad_norm: 1.0 };
const probe = (h: Record<string, unknown>, iterations = 3) => runProbe({ model: 'builtin:imageproj', hyperparameters: h, iterations, backend: 'cpu' });

test('seed replica: iteration 1 finite, first NaN in iteration 2 forward, born in the iteration-1 update', async () => {
  const r = await probe(seed);
  assert.equal(r.version, 1);
  assert.equal(r.backend, 'cpu');
  assert.deepEqual(r.layers, ['imageproj/dense', 'imageproj/layer_norm']);
  assert.deepEqual(r.firstNonFinite, { iteration: 2, layer: 'imageproj/dense', phase: 'forward' });
  assert.deepEqual(r.origin, { iteration: 1, layer: 'imageproj/dense', phase: 'update' });
  assert.deepEqual(r.counterfactuals, []);
  const it1 = r.stats!.filter((s) => s.iteration === 1 && ['input', 'forward', 'loss', 'backward', 'clip', 'optimizer-state'].includes(s.phase));
  assert.ok(it1.length >= 7 && it1.every((s) => s.nanCount === 0 && s.infCount === 0), 'iteration 1 is finite up to the update');
  const update = r.stats!.find((s) => s.iteration === 1 && s.layer === 'imageproj/dense' && s.phase === 'update')!;
  assert.ok(update.infCount + update.nanCount > 0);
  // The optimizer state is finite: the second moment underflowed to 0, it did not overflow.
  const state = r.stats!.find((s) => s.iteration === 1 && s.layer === 'imageproj/dense' && s.phase === 'optimizer-state')!;
  assert.equal(state.nanCount + state.infCount, 0);
  assert.equal(r.hyperparameters?.adam_epsilon, 1e-8);
  assert.equal(r.hyperparameters?.weight_dtype, 'fp16');
  // The loss of each iteration, non-finite ones as the contract's strings.
  assert.equal(r.losses?.length, 3);
  assert.ok(typeof r.losses[0] === 'number' && r.losses[0] > 0);
  assert.deepEqual(r.losses.slice(1), ['nan', 'nan']);
});

test('seed replica: adam_epsilon 1e-6 keeps it finite', async () => {
  const r = await probe({ ...seed, adam_epsilon: 1e-6 });
  assert.equal(r.firstNonFinite, null);
  assert.equal(r.origin, null);
});

test('seed replica: fp32 master weights with fp16 autocast (AMP) keep it finite', async () => {
  const r = await probe({ ...seed, weight_dtype: 'fp32', mixed_precision: 'fp16' });
  assert.equal(r.firstNonFinite, null);
  assert.equal(r.origin, null);
  // the forward really ran in fp16: the dense output has fp16's coarse steps
  assert.ok(r.stats!.some((s) => s.phase === 'forward'));
});

test('seed replica: a learning rate ten times lower does not help (eps is still 0 in fp16)', async () => {
  const r = await probe({ ...seed, learning_rate: 1e-6 }, 2);
  assert.deepEqual(r.firstNonFinite, { iteration: 2, layer: 'imageproj/dense', phase: 'forward' });
  assert.equal(r.origin?.phase, 'update');
});

test('conv net: SGD at lr 10 diverges to a non-finite value, lr 1 stays finite', async () => {
  const high = await runProbe({ model: 'builtin:convnet', hyperparameters: { optimizer: 'sgd', learning_rate: 10 }, backend: 'cpu' });
  assert.ok(high.firstNonFinite, 'lr 10 goes non-finite within 5 iterations');
  assert.ok(high.firstNonFinite.iteration > 1);
  const losses = high.stats!.filter((s) => s.phase === 'loss').map((s) => s.max);
  assert.ok(losses[1] > losses[0] * 10, 'the loss grows before it overflows');
  const low = await runProbe({ model: 'builtin:convnet', hyperparameters: { optimizer: 'sgd', learning_rate: 1 }, backend: 'cpu' });
  assert.equal(low.firstNonFinite, null);
  assert.equal(low.iterations, 5);
});

test('a validation that casts the modules to fp16 in place poisons the AdamW step after it', async () => {
  const fp32 = { ...seed, weight_dtype: 'fp32' };
  const r = await probe({ ...fp32, validation: 'after-step-1', validation_dtype: 'fp16' });
  assert.ok(r.stats!.some((s) => s.phase === 'validation' && s.iteration === 1));
  assert.deepEqual(r.origin, { iteration: 2, layer: 'imageproj/dense', phase: 'update' });
  assert.deepEqual(r.firstNonFinite, { iteration: 3, layer: 'imageproj/dense', phase: 'forward' });
  const without = await probe({ ...fp32, validation: 'no-step-1', validation_dtype: 'fp16' });
  assert.equal(without.firstNonFinite, null);
});

test('probe statistics: weight norm, update ratio and fp16 headroom are reported per layer', async () => {
  const r = await runProbe({ model: 'builtin:mlp', hyperparameters: { optimizer: 'adamw', learning_rate: 1e-3, warmup_steps: 2 }, iterations: 3, backend: 'cpu' });
  const updates = r.stats!.filter((s) => s.phase === 'update' && s.layer === 'mlp/dense1');
  assert.equal(updates.length, 3);
  assert.equal(updates[0].updateRatio, 0); // warmup: iteration 1 runs at lr 0
  assert.ok(updates[1].updateRatio! > 0 && updates[1].updateRatio! < 0.1);
  assert.ok(updates[1].weightNorm! > 0);
  const fwd = r.stats!.find((s) => s.phase === 'forward')!;
  assert.ok(Math.abs(fwd.fp16Headroom! - Math.log2(65504 / fwd.absMax)) < 1e-9);
  assert.ok(fwd.std >= 0 && fwd.min <= fwd.mean && fwd.mean <= fwd.max);
});

test('the unprobed replay runs the same steps without statistics (for the overhead benchmark)', async () => {
  const replay = await createReplay({ model: 'builtin:mlp', hyperparameters: {}, backend: 'cpu' }, { probes: false });
  try {
    await replay.step();
    await replay.step();
    const r = replay.report();
    assert.equal(r.iterations, 2);
    assert.equal(r.stats, undefined);
    assert.equal(r.firstNonFinite, null);
  } finally {
    replay.dispose();
  }
});

test('bad hyperparameters and cancellation give clear errors', async () => {
  await assert.rejects(probe({ optimizer: 'lion' }, 1), /optimizer must be adamw, adam or sgd/);
  await assert.rejects(probe({ learning_rate: 'fast' }, 1), /learning_rate must be a number/);
  const ac = new AbortController();
  let seen = 0;
  const run = runProbe({ model: 'builtin:mlp', hyperparameters: {}, iterations: 50, backend: 'cpu', }, { signal: ac.signal, onProgress: (p) => { seen = p.iteration; if (p.iteration === 2) ac.abort(); } });
  await assert.rejects(run, (err: Error) => err.name === 'AbortError');
  assert.equal(seen, 2);
});
