// Backend choice: native TensorFlow, else wasm, else CPU, in the test process and in a bundle.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as esbuild from 'esbuild';
import * as tf from '@tensorflow/tfjs-core';
import { Conv2DBackpropFilter, DepthwiseConv2dNativeBackpropFilter, DepthwiseConv2dNativeBackpropInput, getKernel, UnsortedSegmentSum } from '@tensorflow/tfjs-core';
import { selectBackend, wasmFilesDir } from '../../src/probe/worker/backend';

test('without @tensorflow/tfjs-node the default is wasm, and the reason says why', async () => {
  const chosen = await selectBackend();
  assert.equal(chosen.name, 'wasm');
  assert.equal(tf.getBackend(), 'wasm');
  assert.match(chosen.reason, /^wasm \(first available; tensorflow: @tensorflow\/tfjs-node not loadable/);
  for (const kernel of [Conv2DBackpropFilter, DepthwiseConv2dNativeBackpropFilter, DepthwiseConv2dNativeBackpropInput, UnsortedSegmentSum]) {
    assert.ok(getKernel(kernel, 'wasm'), `${kernel} is registered for wasm`);
  }
});

test('a requested backend is used and named; asking again switches back', async () => {
  assert.deepEqual(await selectBackend('cpu'), { name: 'cpu', reason: 'cpu (requested)' });
  assert.equal(tf.getBackend(), 'cpu');
  assert.equal((await selectBackend('wasm')).name, 'wasm');
  assert.equal(tf.getBackend(), 'wasm');
  const requestedNative = await selectBackend('tensorflow');
  assert.equal(requestedNative.name, 'wasm');
  assert.match(requestedNative.reason, /requested tensorflow unavailable/);
});

test('unbundled, the wasm binaries are found in the installed package', () => {
  const dir = wasmFilesDir();
  assert.ok(dir);
  assert.equal(resolve(dir), resolve('node_modules/@tensorflow/tfjs-backend-wasm/dist'));
});

// The same choice made by a bundle run from a folder outside the repository, the way dist/*.js runs.
const repo = resolve('.');
const wasmDir = resolve('node_modules/@tensorflow/tfjs-backend-wasm/dist');
const entry = `
import { selectBackend } from ${JSON.stringify(join(repo, 'src/probe/worker/backend.ts'))};
import * as tf from '@tensorflow/tfjs-core';
selectBackend().then(async (chosen) => {
  const sum = Array.from(await tf.add(tf.tensor1d([1, 2]), tf.tensor1d([3, 4])).data());
  process.stdout.write(JSON.stringify({ ...chosen, active: tf.getBackend(), sum }));
}, (err) => { process.stdout.write(JSON.stringify({ error: String(err) })); });
`;

// Stand-ins for @tensorflow/tfjs-node: each loads its own copy of tfjs-core, as the real package does.
const core = JSON.stringify(join(repo, 'node_modules/@tensorflow/tfjs-core'));
const cpu = JSON.stringify(join(repo, 'node_modules/@tensorflow/tfjs-backend-cpu'));
const fakeNative = {
  working: `const tf = require(${core}); const { MathBackendCPU } = require(${cpu});
tf.registerBackend('tensorflow', () => new MathBackendCPU(), 3);
for (const k of tf.getKernelsForBackend('cpu')) tf.registerKernel({ ...k, backendName: 'tensorflow' });`,
  kernelless: `const tf = require(${core}); const { MathBackendCPU } = require(${cpu});
tf.registerBackend('tensorflow', () => new MathBackendCPU(), 3);`,
  silent: `module.exports = {};`,
};

function runBundle(bundle: string, setup: { wasm: boolean; native?: keyof typeof fakeNative }): Record<string, unknown> {
  const dir = mkdtempSync(join(tmpdir(), 'nan-doctor-backend-'));
  try {
    copyFileSync(bundle, join(dir, 'probe.js'));
    if (setup.wasm) for (const f of readdirSync(wasmDir)) if (f.endsWith('.wasm')) copyFileSync(join(wasmDir, f), join(dir, f));
    if (setup.native) {
      const pkg = join(dir, 'node_modules/@tensorflow/tfjs-node');
      mkdirSync(pkg, { recursive: true });
      writeFileSync(join(pkg, 'index.js'), fakeNative[setup.native]);
    }
    const r = spawnSync(process.execPath, [join(dir, 'probe.js')], { encoding: 'utf8', cwd: dir });
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout) as Record<string, unknown>;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('bundled, the choice follows what is installed beside the bundle', async () => {
  const out = mkdtempSync(join(tmpdir(), 'nan-doctor-bundle-'));
  try {
    const bundle = join(out, 'probe.js');
    await esbuild.build({
      stdin: { contents: entry, resolveDir: repo, loader: 'ts' },
      outfile: bundle,
      bundle: true,
      platform: 'node',
      format: 'cjs',
      external: ['@tensorflow/tfjs-node'],
      logLevel: 'error',
    });

    const wasm = runBundle(bundle, { wasm: true });
    assert.equal(wasm.name, 'wasm');
    assert.equal(wasm.active, 'wasm');
    assert.deepEqual(wasm.sum, [4, 6]);

    const cpuOnly = runBundle(bundle, { wasm: false });
    assert.equal(cpuOnly.name, 'cpu');
    assert.match(String(cpuOnly.reason), /wasm: tfjs-backend-wasm\.wasm not found/);
    assert.deepEqual(cpuOnly.sum, [4, 6]);

    const native = runBundle(bundle, { wasm: true, native: 'working' });
    assert.equal(native.name, 'tensorflow');
    assert.equal(native.active, 'tensorflow');
    assert.equal(native.reason, 'tensorflow (first available)');
    assert.deepEqual(native.sum, [4, 6]);

    const broken = runBundle(bundle, { wasm: true, native: 'kernelless' });
    assert.equal(broken.name, 'wasm');
    assert.match(String(broken.reason), /tensorflow: failed a smoke test/);

    const silent = runBundle(bundle, { wasm: true, native: 'silent' });
    assert.equal(silent.name, 'wasm');
    assert.match(String(silent.reason), /tensorflow: @tensorflow\/tfjs-node loaded but registered into a different tfjs-core/);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
