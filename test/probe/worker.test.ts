// The probe worker process through launchProbe (needs `npm run build`: it runs dist/worker.js).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { launchProbe, ProbeError, defaultWorkerPath, type ProbeProgress } from '../../src/probe/worker/client';
import { TEST_CRASH_MODEL, TEST_HANG_MODEL, TEST_OOM_MODEL } from '../../src/probe/worker/protocol';

const seedHyperparameters = { learning_rate: 1e-5, adam_epsilon: 1e-8, weight_dtype: 'fp16', mixed_precision: 'no', max_grad_norm: 1.0, optimizer: 'adamw' };

function isGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

async function rejectsWith(promise: Promise<unknown>, reason: string, message: RegExp): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof ProbeError, `expected a ProbeError, got ${String(err)}`);
    assert.equal(err.reason, reason, err.message);
    assert.match(err.message, message);
    return true;
  });
}

test('the built worker exists', () => {
  assert.ok(existsSync(defaultWorkerPath()), `${defaultWorkerPath()} is missing: run npm run build`);
});

test('a round trip on builtin:imageproj gives the contract shape, with progress on the way', async () => {
  const progress: ProbeProgress[] = [];
  let pid = 0;
  const report = await launchProbe(
    { model: 'builtin:imageproj', hyperparameters: seedHyperparameters, iterations: 3 },
    { onProgress: (p) => progress.push(p), onSpawn: (p) => (pid = p) },
  );
  assert.equal(report.version, 1);
  assert.ok(['tensorflow', 'wasm', 'cpu'].includes(report.backend), report.backend);
  assert.equal(report.iterations, 3);
  assert.ok(report.layers.length > 0 && report.layers.every((l) => typeof l === 'string'));
  assert.deepEqual(Object.keys(report.firstNonFinite ?? {}).sort(), ['iteration', 'layer', 'phase']);
  assert.equal(report.firstNonFinite?.iteration, 2);
  assert.equal(report.origin?.iteration, 1);
  assert.ok(Array.isArray(report.counterfactuals));
  assert.ok(progress.length >= 1, 'no progress message arrived');
  assert.ok(progress.every((p) => p.total === 3 && typeof p.message === 'string'));
  assert.ok(isGone(pid), 'the worker is still running after its result');
});

test('a worker that crashes gives a clear error and leaves no process', async () => {
  let pid = 0;
  await rejectsWith(launchProbe({ model: TEST_CRASH_MODEL, hyperparameters: {} }, { onSpawn: (p) => (pid = p) }), 'crashed', /exited with status 3/);
  assert.ok(pid > 0 && isGone(pid));
});

test('a worker that hangs is killed at the time limit', async () => {
  let pid = 0;
  await rejectsWith(launchProbe({ model: TEST_HANG_MODEL, hyperparameters: {} }, { timeoutMs: 1500, onSpawn: (p) => (pid = p) }), 'timeout', /did not finish within 1.5 s/);
  assert.ok(pid > 0 && isGone(pid));
});

test('cancel kills the worker, even one too busy to read the cancel message', async () => {
  let pid = 0;
  const abort = new AbortController();
  const run = launchProbe({ model: TEST_HANG_MODEL, hyperparameters: {} }, { signal: abort.signal, onSpawn: (p) => (pid = p), onProgress: () => abort.abort() });
  await rejectsWith(run, 'cancelled', /cancelled/);
  assert.ok(pid > 0 && isGone(pid));
});

test('a worker over its memory limit is stopped as out-of-memory', async () => {
  let pid = 0;
  await rejectsWith(launchProbe({ model: TEST_OOM_MODEL, hyperparameters: {} }, { memoryMb: 96, timeoutMs: 60_000, onSpawn: (p) => (pid = p) }), 'out-of-memory', /memory|MB/);
  assert.ok(pid > 0 && isGone(pid));
});

test('a bad model is a clear "failed" error from the worker', async () => {
  await rejectsWith(launchProbe({ model: 'builtin:no-such-model', hyperparameters: {} }), 'failed', /no-such-model/);
});

test('a missing worker script is a clear error', async () => {
  await rejectsWith(launchProbe({ model: 'builtin:imageproj', hyperparameters: {} }, { workerPath: '/nonexistent/worker.js' }), 'failed', /worker not found at \/nonexistent\/worker\.js/);
});
