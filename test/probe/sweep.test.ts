// The counterfactual sweep on the seed case (needs `npm run build`: it runs dist/worker.js workers).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runSweep, defaultCandidates, changeId, describeChange, type SweepProgress } from '../../src/probe/verify/sweep';
import { ProbeError } from '../../src/probe/worker/client';

// What the example's config and script amount to (validation right after step 1 is in the script).
const seed = { learning_rate: 1e-5, adam_epsilon: 1e-8, weight_dtype: 'fp16', mixed_precision: 'no', max_grad_norm: 1.0, optimizer: 'adamw', validation: 'after-step-1' };

test('the seed case: epsilon 1e-6 and fp32 master weights keep it finite, learning rate / 10 does not', async () => {
  const progress: SweepProgress[] = [];
  const { base, counterfactuals } = await runSweep(
    { model: 'builtin:imageproj', hyperparameters: seed, iterations: 3 },
    [
      { change: { adam_epsilon: 1e-6 }, key: 'solver.adam_epsilon', file: 'configs/train/stage1.yaml', line: 28 },
      { change: { mixed_precision: 'fp16', weight_dtype: 'fp32' } },
      { change: { learning_rate: 1e-6 } },
    ],
    { parallel: 2, onProgress: (p) => progress.push(p) },
  );
  assert.equal(base.firstNonFinite?.iteration, 2);
  assert.equal(base.origin?.iteration, 1);
  assert.deepEqual(
    counterfactuals.map((c) => [describeChange(c.change), c.finite]),
    [['adam_epsilon = 1e-6', true], ['mixed_precision = fp16, weight_dtype = fp32', true], ['learning_rate = 1e-6', false]],
  );
  assert.deepEqual([counterfactuals[0].key, counterfactuals[0].file, counterfactuals[0].line], ['solver.adam_epsilon', 'configs/train/stage1.yaml', 28]);
  assert.equal(counterfactuals[2].firstNonFinite?.iteration, 2);
  assert.deepEqual(progress.map((p) => p.done), [1, 2, 3, 4]);
  assert.ok(progress.every((p) => p.total === 4));
});

test('the learning-rate case: a conv net diverging at lr 10 (SGD) stays finite at lr / 10 or with clipping; no epsilon experiment for SGD', async () => {
  const { base, counterfactuals } = await runSweep({ model: 'builtin:convnet', hyperparameters: { learning_rate: 10, optimizer: 'sgd' }, iterations: 5 }, [], { parallel: 2 });
  assert.notEqual(base.firstNonFinite, null);
  assert.deepEqual(
    counterfactuals.map((c) => [describeChange(c.change), c.finite]),
    [['learning_rate = 1', true], ['max_grad_norm = 1', true]],
  );
});

test('cancelling a sweep stops every worker it started', async () => {
  const pids: number[] = [];
  const abort = new AbortController();
  const sweep = runSweep({ model: 'builtin:imageproj', hyperparameters: seed, iterations: 3 }, [], {
    parallel: 2,
    signal: abort.signal,
    onSpawn: (pid) => {
      pids.push(pid);
      if (pids.length === 2) abort.abort();
    },
  });
  await assert.rejects(sweep, (err: unknown) => err instanceof ProbeError && err.reason === 'cancelled');
  assert.equal(pids.length, 2, 'no new worker starts after the cancel');
  for (const pid of pids) assert.ok(isGone(pid), `worker ${pid} is still running`);
});

function isGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

test('the default candidates are the usual fixes, only those that change something', () => {
  const ids = defaultCandidates(seed).map((c) => describeChange(c.change));
  assert.deepEqual(ids, [
    'learning_rate = 1e-6',
    'adam_epsilon = 1e-6',
    'mixed_precision = fp16, weight_dtype = fp32',
    'weight_dtype = bf16',
    'validation = no-step-1',
  ]);
  // Already clipping at 1.0, so no clipping candidate above; already fp32 master weights under fp16 autocast here.
  const amp = defaultCandidates({ ...seed, mixed_precision: 'fp16', weight_dtype: 'fp32', max_grad_norm: 5 }).map((c) => describeChange(c.change));
  assert.ok(amp.includes('max_grad_norm = 1'));
  assert.ok(!amp.includes('mixed_precision = fp16, weight_dtype = fp32'));
  assert.ok(amp.includes('weight_dtype = bf16, mixed_precision = bf16'));
  // Plain fp32 training that never validates: no precision or validation experiments.
  assert.deepEqual(defaultCandidates({ learning_rate: 0.1, weight_dtype: 'float32' }).map((c) => describeChange(c.change)), ['learning_rate = 0.01', 'max_grad_norm = 1', 'adam_epsilon = 1e-6']);
});

test('a change is the same change whatever its key order', () => {
  assert.equal(changeId({ a: 1, b: 'x' }), changeId({ b: 'x', a: 1 }));
  assert.notEqual(changeId({ a: 1 }), changeId({ a: 2 }));
});
