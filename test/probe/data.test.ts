import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseNpy } from '../../src/probe/data/npy';
import { parseNpz } from '../../src/probe/data/npz';
import { runProbe } from '../../src/probe/run';

const dir = join(__dirname, 'fixtures', 'data');
const npy = (name: string) => {
  const b = readFileSync(join(dir, name));
  return parseNpy(new Uint8Array(b.buffer, b.byteOffset, b.byteLength), name);
};

test('.npy float32, float16, big-endian float64 and int64 arrays are read with their shapes', () => {
  const x = npy('x.npy');
  assert.deepEqual(x.shape, [8, 16]);
  assert.equal(x.dtype, '<f4');
  assert.equal(x.data.length, 128);
  const h = npy('half.npy');
  assert.deepEqual(h.shape, [2, 3]);
  assert.deepEqual(Array.from(h.data.subarray(0, 4)), [1, -2.5, 65504, Infinity]);
  assert.equal(h.data[4], 2 ** -24); // 6e-8 is stored as the smallest fp16 subnormal
  const d = npy('double-big-endian.npy');
  assert.equal(d.dtype, '>f8');
  assert.deepEqual(Array.from(d.data), [0, 0.25, 0.5, 0.75, 1, 1.25]);
  assert.deepEqual(Array.from(npy('labels.npy').data), [0, 2, 1, 2]);
});

test('unreadable .npy files get an error that names the file and the reason', () => {
  assert.throws(() => npy('fortran.npy'), /fortran\.npy: .*Fortran order/);
  assert.throws(() => parseNpy(new TextEncoder().encode('not numpy at all'), 'bogus.npy'), /bogus\.npy: .*magic/);
  const x = readFileSync(join(dir, 'x.npy'));
  assert.throws(() => parseNpy(new Uint8Array(x.subarray(0, 200)), 'cut.npy'), /cut\.npy: .*shorter/);
});

test('a NaN in the input batch (.npy) is named as phase input', async () => {
  const r = await runProbe({ model: 'builtin:mlp', hyperparameters: { learning_rate: 0.01 }, data: join(dir, 'nan'), iterations: 2, backend: 'cpu' });
  assert.deepEqual(r.firstNonFinite, { iteration: 1, layer: 'input', phase: 'input' });
  assert.deepEqual(r.origin, { iteration: 1, layer: 'input', phase: 'input' });
});

test('a NaN written by Python json.dump is read as NaN and found in the input', async () => {
  const r = await runProbe({ model: 'builtin:mlp', hyperparameters: {}, data: join(dir, 'batch-with-nan.json'), iterations: 1, backend: 'cpu' });
  assert.equal(r.firstNonFinite?.phase, 'input');
});

test('clean .npy inputs with y.npy targets replay finite', async () => {
  const r = await runProbe({ model: 'builtin:mlp', hyperparameters: { optimizer: 'sgd', learning_rate: 0.01 }, data: join(dir, 'x.npy'), iterations: 3, backend: 'cpu' });
  assert.equal(r.firstNonFinite, null);
  const input = r.stats!.find((s) => s.phase === 'input')!;
  assert.equal(input.nanCount, 0);
});

test('inputs that do not fit the model are refused with the shapes named', async () => {
  await assert.rejects(runProbe({ model: 'builtin:imageproj', hyperparameters: {}, data: join(dir, 'x.npy'), iterations: 1, backend: 'cpu' }), /x\.npy: inputs of shape \[8, 16\] does not fit the model's \[N, 512\]/);
});

test('an empty .npy (shape [0, 512]) is refused as no samples, not trained on zeros', async () => {
  const file = join(dir, 'empty', 'x0.npy');
  assert.deepEqual(npy('empty/x0.npy').shape, [0, 512]);
  await assert.rejects(runProbe({ model: 'builtin:imageproj', hyperparameters: {}, data: file, iterations: 1, backend: 'cpu' }), (err: Error) => {
    assert.match(err.message, /^no samples in .*x0\.npy/);
    return true;
  });
});

const bytes = (name: string) => {
  const b = readFileSync(join(dir, name));
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
};

test('.npz archives are read by name, stored (np.savez, zip64 local headers) or deflated (np.savez_compressed)', () => {
  const stored = parseNpz(bytes('batch.npz'), 'batch.npz');
  const deflated = parseNpz(bytes('batch-compressed.npz'), 'batch-compressed.npz');
  assert.deepEqual([...stored.keys()], ['x', 'y']);
  assert.deepEqual([...deflated.keys()], ['x', 'y', 'labels']);
  assert.deepEqual(stored.get('x')!.shape, [8, 16]);
  assert.deepEqual(Array.from(deflated.get('x')!.data), Array.from(npy('x.npy').data));
  assert.deepEqual(Array.from(stored.get('y')!.data), Array.from(npy('y.npy').data));
  assert.deepEqual(Array.from(deflated.get('labels')!.data), [0, 2, 1, 2]);
});

test('a file that is not a zip archive, or a cut one, is refused naming the file', () => {
  assert.throws(() => parseNpz(bytes('x.npy'), 'x.npz'), /x\.npz: not a readable zip archive \(no end of central directory\)/);
  const whole = bytes('batch-compressed.npz');
  const cut = new Uint8Array(whole.length - 40);
  cut.set(whole.subarray(0, 100));
  cut.set(whole.subarray(whole.length - 22), cut.length - 22);
  assert.throws(() => parseNpz(cut, 'cut.npz'), /cut\.npz: not a readable zip archive/);
});

test('a chain model trains on x and y from a .npz exactly as from x.npy and y.npy', async () => {
  const spec = { model: 'builtin:mlp', hyperparameters: { optimizer: 'sgd', learning_rate: 0.01 }, iterations: 2, backend: 'cpu' as const };
  const fromNpy = await runProbe({ ...spec, data: join(dir, 'x.npy') });
  const fromNpz = await runProbe({ ...spec, data: join(dir, 'batch-compressed.npz') });
  assert.deepEqual(fromNpz.losses, fromNpy.losses);
  assert.equal(fromNpz.losses!.length, 2);
});
