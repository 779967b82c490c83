// The ONNX importer: what it makes of a torch-exported training step, how it probes it, and its errors on bad files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { loadModel } from '../../src/probe/models/index';
import { runProbe } from '../../src/probe/run';
import { selectBackend } from '../../src/probe/worker/backend';
import { checkedSize, MAX_ONNX_FILE_BYTES, MAX_ONNX_NODES } from '../../src/probe/models/onnx/limits';
import { modelProtoType } from '../../src/probe/models/onnx/schema';
import { toFp16 } from '../../src/probe/replay/precision';

const dir = join(__dirname, 'fixtures', 'onnx');
const bad = (name: string) => join(dir, 'malformed', `${name}.onnx`);

test('a torch-exported transformer block: one probe per node with a float output, named by the node; weights grouped with the node that reads them first', async () => {
  await selectBackend('wasm');
  const m = await loadModel(join(dir, 'transformer.onnx'), { seed: 1 });
  try {
    assert.equal(m.kind, 'loss');
    const names = m.layers.map((l) => l.name);
    for (const n of ['/emb/Gather', '/ln1/LayerNormalization', '/qkv/MatMul', '/Softmax', '/act/Erf', '/SoftmaxCrossEntropyLoss']) assert.ok(names.includes(n), n);
    // Shape arithmetic (Shape, Gather of a shape, Concat of sizes) and constants are not probes.
    assert.ok(!names.some((n) => /Constant|Unsqueeze|Concat/.test(n)), names.join(' '));
    const params = m.layers.flatMap((l) => l.params.map((p) => `${l.name}:${p.name}`));
    assert.ok(params.includes('/qkv/Transpose:qkv.weight'));
    assert.ok(params.includes('/qkv/Add:qkv.bias'));
    assert.ok(params.includes('/Slice:pos'));
    assert.equal(params.length, 18);
    const castable = new Map(m.layers.flatMap((l) => l.params.map((p) => [p.name, p.castable] as const)));
    // Autocast casts what a matmul reads (through the exported Transpose); layer norm's gain stays fp32.
    assert.equal(castable.get('qkv.weight'), true);
    assert.equal(castable.get('ln1.weight'), false);
    assert.deepEqual(m.kind === 'loss' && m.inputs.map((i) => [i.name, i.dtype, i.shape]), [['ids', 'int32', [2, 8]], ['targets', 'int32', [2, 8]]]);
  } finally {
    m.dispose();
  }
});

test('a causal mask filled with -inf is not a non-finite value; the loss of each iteration is reported', async () => {
  const r = await runProbe({ model: join(dir, 'transformer.onnx'), data: join(dir, 'transformer.npz'), hyperparameters: { optimizer: 'adamw', learning_rate: 1e-3 }, iterations: 2, backend: 'wasm' });
  assert.equal(r.firstNonFinite, null);
  assert.equal(r.origin, null);
  const masked = r.stats!.find((s) => s.layer === '/Where' && s.phase === 'forward')!;
  assert.ok(masked.infCount > 0, 'the mask is there, counted as Inf');
  assert.equal(r.losses!.length, 2);
  assert.ok(r.layers.includes('/Where'));
});

test('without --data, float inputs are drawn at the declared shapes; integer inputs are an error naming them', async () => {
  const r = await runProbe({ model: join(dir, 'mlp.onnx'), hyperparameters: { optimizer: 'sgd', learning_rate: 0.01 }, iterations: 1, backend: 'wasm' });
  assert.equal(typeof r.losses![0], 'number');
  const input = r.stats!.find((s) => s.phase === 'input')!;
  assert.ok(input.std > 0.5 && input.std < 1.5, 'unit-scale normal draws');
  await assert.rejects(runProbe({ model: join(dir, 'transformer.onnx'), hyperparameters: {}, iterations: 1, backend: 'wasm' }), (err: Error) => {
    assert.match(err.message, /transformer\.onnx: the integer inputs ids, targets \(labels, token ids\) cannot be drawn at random; give them with --data FILE\.npz/);
    assert.equal(err.message.split('\n').length, 1);
    return true;
  });
});

test('data that does not fit the graph is refused naming the file, the input and the shapes', async () => {
  const spec = { model: join(dir, 'transformer.onnx'), hyperparameters: {}, iterations: 1, backend: 'wasm' as const };
  await assert.rejects(runProbe({ ...spec, data: join(dir, 'mlp.npz') }), /mlp\.npz: no array for the graph inputs ids, targets \(it holds x, target\)/);
  await assert.rejects(runProbe({ ...spec, data: join(dir, '..', 'data', 'x.npy') }), /x\.npy: a \.npy file holds one array, but the graph has inputs ids, targets/);
  await assert.rejects(runProbe({ model: join(dir, 'mlp.onnx'), data: join(__dirname, 'fixtures', 'data', 'batch.npz'), hyperparameters: {}, iterations: 1, backend: 'wasm' }), /batch\.npz: no array for the graph input target /);
});

test('unsupported ops, extra outputs, external weights, old opsets and non-ONNX files are one clear error each', async () => {
  const load = (file: string) => loadModel(file, { seed: 1 });
  await assert.rejects(load(bad('unsupported-op')), /unsupported-op\.onnx: op Hardmax at node \/head\/Hardmax is not supported by the probe/);
  await assert.rejects(load(bad('two-outputs')), /two-outputs\.onnx: the graph has 2 outputs \(loss, h2\); a training-step graph has one, the loss/);
  await assert.rejects(load(bad('external-data')), /external-data\.onnx: initializer w keeps its values in an external file/);
  await assert.rejects(load(bad('opset-9')), /opset-9\.onnx: opset 9 is not supported \(opsets 13–18/);
  await assert.rejects(load(bad('huge-constant')), /huge-constant\.onnx: node \/Big \(ConstantOfShape\): ConstantOfShape at node \/Big would hold 10000000000 values/);
  const tmp = mkdtempSync(join(tmpdir(), 'nan-doctor-onnx-'));
  writeFileSync(join(tmp, 'notes.onnx'), 'these are not protobuf bytes at all, just text in a file named .onnx\n');
  await assert.rejects(load(join(tmp, 'notes.onnx')), /notes\.onnx: not an ONNX model/);
  await assert.rejects(load(join(tmp, 'missing.onnx')), /missing\.onnx: cannot read \(ENOENT\)/);
  assert.throws(() => checkedSize([65536, 65536], 'a test tensor'), /a test tensor would hold 4294967296 values/);
});

test('an ONNX replay leaves no tensors behind', async () => {
  await selectBackend('wasm');
  const spec = { model: join(dir, 'resnet.onnx'), data: join(dir, 'resnet.npz'), hyperparameters: { validation: 1 }, iterations: 2, backend: 'wasm' as const };
  await runProbe(spec);
  const before = tf.memory().numTensors;
  await runProbe(spec);
  assert.equal(tf.memory().numTensors, before);
});

test('a training-mode Dropout above 0 uses a seeded mask and the report says so; the same seed gives the same losses', async () => {
  const spec = { model: join(dir, 'dropout.onnx'), hyperparameters: { optimizer: 'sgd', learning_rate: 0.1, seed: 3 }, iterations: 2, backend: 'wasm' as const };
  const a = await runProbe(spec);
  const b = await runProbe(spec);
  assert.deepEqual(a.losses, b.losses);
  assert.ok(a.notes?.some((n) => /Dropout at \/drop\/Dropout \(ratio 0\.5\) uses a seeded mask/.test(n)), JSON.stringify(a.notes));
  const dropped = a.stats!.find((s) => s.layer === '/drop/Dropout' && s.phase === 'forward')!;
  const input = a.stats!.find((s) => s.phase === 'input')!;
  // Kept values are scaled by 1 / (1 - 0.5).
  assert.ok(dropped.absMax > input.absMax * 1.5, `${dropped.absMax} vs ${input.absMax}`);
});

test('precision on an imported model: fp16 weights with AdamW eps 1e-8 break in the iteration-1 update, as in the seed case; autocast rounds matmul outputs to fp16', async () => {
  const spec = { model: join(dir, 'transformer.onnx'), data: join(dir, 'transformer.npz'), iterations: 3, backend: 'wasm' as const };
  const seed = { optimizer: 'adamw', learning_rate: 1e-5, adam_epsilon: 1e-8, weight_dtype: 'fp16' };
  const broken = await runProbe({ ...spec, hyperparameters: seed });
  assert.deepEqual([broken.origin?.iteration, broken.origin?.phase], [1, 'update']);
  assert.equal(broken.firstNonFinite?.iteration, 2);
  const fixed = await runProbe({ ...spec, hyperparameters: { ...seed, adam_epsilon: 1e-6 } });
  assert.equal(fixed.origin, null);
  const amp = await runProbe({ ...spec, hyperparameters: { ...seed, weight_dtype: 'fp32', mixed_precision: 'fp16' } });
  assert.equal(amp.origin, null);
  const matmul = amp.stats!.find((s) => s.layer === '/qkv/MatMul' && s.phase === 'forward')!;
  assert.equal(toFp16(matmul.max), matmul.max);
  assert.equal(toFp16(matmul.min), matmul.min);
});

test('an ONNX file over the size limit or with too many nodes is refused before anything is built', async () => {
  const tmp = mkdtempSync(join(tmpdir(), 'nan-doctor-onnx-'));
  const big = join(tmp, 'big.onnx');
  writeFileSync(big, '');
  // A sparse file: its size is what counts, and it is checked before a byte is read.
  truncateSync(big, MAX_ONNX_FILE_BYTES + 1024 * 1024);
  await assert.rejects(loadModel(big, { seed: 1 }), /big\.onnx: 257\.0 MB, over the 256 MB limit for a probed ONNX model/);
  const type = modelProtoType();
  const nodes = Array.from({ length: MAX_ONNX_NODES + 1 }, (_, i) => ({ op_type: 'Identity', name: `n${i}`, input: [i ? `v${i - 1}` : 'x'], output: [`v${i}`] }));
  const many = type.encode(type.fromObject({ ir_version: 8, opset_import: [{ domain: '', version: 17 }], graph: { node: nodes, input: [{ name: 'x' }], output: [{ name: `v${MAX_ONNX_NODES}` }] } })).finish();
  writeFileSync(join(tmp, 'many.onnx'), many);
  await assert.rejects(loadModel(join(tmp, 'many.onnx'), { seed: 1 }), new RegExp(`many\\.onnx: ${MAX_ONNX_NODES + 1} nodes, over the limit of ${MAX_ONNX_NODES}`));
});
