import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadModel } from '../../src/probe/models/index';
import { runProbe } from '../../src/probe/run';
import { selectBackend } from '../../src/probe/worker/backend';

const fixtures = join(__dirname, 'fixtures');

test('a TF.js model.json loads with its stored weights and replays per layer', async () => {
  await selectBackend('cpu');
  const m = await loadModel(join(fixtures, 'tfjs-model', 'model.json'), { seed: 1 });
  try {
    assert.deepEqual(m.layers.map((l) => l.name), ['classifier/hidden', 'classifier/logits']);
    assert.ok(m.kind !== 'loss', 'a layers model is a chain');
    assert.equal(m.loss, 'cross-entropy'); // the last layer is a softmax
    assert.deepEqual(m.inputShape, [6]);
    const bin = readFileSync(join(fixtures, 'tfjs-model', 'group1-shard1of1.bin'));
    const stored = new Float32Array(bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength));
    const kernel = m.layers[0].params[0].variable.dataSync();
    assert.deepEqual(Array.from(kernel), Array.from(stored.subarray(0, kernel.length)));
  } finally {
    m.dispose();
  }
  const r = await runProbe({ model: join(fixtures, 'tfjs-model', 'model.json'), hyperparameters: { optimizer: 'adam', learning_rate: 0.01 }, iterations: 2, backend: 'cpu' });
  assert.deepEqual(r.layers, ['classifier/hidden', 'classifier/logits']);
  assert.equal(r.firstNonFinite, null);
  assert.ok(r.stats!.some((s) => s.layer === 'classifier/logits' && s.phase === 'backward' && s.absMax > 0));
});

test('a Keras model JSON (to_json) loads with seeded weights, so re-runs agree', async () => {
  const spec = { model: join(fixtures, 'keras-convnet.json'), hyperparameters: { optimizer: 'sgd', learning_rate: 0.1, seed: 3 }, iterations: 2, backend: 'cpu' as const };
  const a = await runProbe(spec);
  const b = await runProbe(spec);
  assert.deepEqual(a.layers, ['sequential/conv2d', 'sequential/flatten', 'sequential/dense']);
  assert.equal(a.firstNonFinite, null);
  assert.deepEqual(a.stats, b.stats);
});

test('a JS model module is refused outside a trusted workspace, with the reason', async () => {
  await assert.rejects(runProbe({ model: join(fixtures, 'model-module.js'), hyperparameters: {}, iterations: 1, backend: 'cpu' }), (err: Error) => {
    assert.match(err.message, /trusted workspace/);
    // Only ways out that exist: no command has an --allow-code option.
    assert.doesNotMatch(err.message, /--allow-code/);
    assert.match(err.message, /Manage Workspace Trust|nan-doctor probe/);
    return true;
  });
});

test('a JS model module runs when code is allowed, with its own sample batch', async () => {
  const r = await runProbe({ model: join(fixtures, 'model-module.js'), hyperparameters: { optimizer: 'sgd', learning_rate: 0.1 }, iterations: 2, backend: 'cpu', allowCode: true });
  assert.deepEqual(r.layers, ['workspace_mlp/fc1', 'workspace_mlp/fc2']);
  const input = r.stats!.find((s) => s.phase === 'input')!;
  assert.equal(input.max, 3); // from sampleBatch(), not synthetic data
});

test('unknown models get a clear error', async () => {
  await assert.rejects(loadModel('builtin:resnet', { seed: 1 }), /unknown built-in model builtin:resnet \(known: builtin:imageproj/);
  await assert.rejects(loadModel(join(fixtures, 'missing.json'), { seed: 1 }), /missing\.json: cannot read \(ENOENT\)/);
  await assert.rejects(loadModel(join(fixtures, 'precision-reference.json'), { seed: 1 }), /neither a TF\.js model\.json/);
});

test('a Keras 3 functional model JSON (dtype policies, call-style inbound nodes) loads as a chain', async () => {
  const r = await runProbe({ model: join(fixtures, 'keras3-functional.json'), hyperparameters: { optimizer: 'adamw', learning_rate: 1e-3 }, iterations: 2, backend: 'cpu' });
  assert.deepEqual(r.layers, ['regressor/hidden', 'regressor/out']);
  assert.equal(r.firstNonFinite, null);
});

test('a branching graph is probed as one group holding all its parameters', async () => {
  const m = await loadModel(join(fixtures, 'branching-module.js'), { seed: 1, allowCode: true });
  try {
    assert.deepEqual(m.layers.map((l) => l.name), ['twoheads']);
    assert.equal(m.layers[0].params.length, 4);
  } finally {
    m.dispose();
  }
});

test('a replay leaves no tensors behind, the module sample batch included', async () => {
  const tf = await import('@tensorflow/tfjs-core');
  const spec = { model: join(fixtures, 'model-module.js'), hyperparameters: { validation: 'after-step-1' }, iterations: 2, backend: 'cpu' as const, allowCode: true };
  await runProbe(spec);
  const before = tf.memory().numTensors;
  await runProbe(spec);
  await runProbe({ ...spec, model: 'builtin:mlp' });
  assert.equal(tf.memory().numTensors, before);
});
