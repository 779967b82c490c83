// Parity with PyTorch: ONNX training steps exported by torch replay torch's own losses (fixtures/onnx/generate.py),
// on the wasm backend: within 1e-3 for 5 iterations of SGD+momentum and AdamW, and the same non-finite iteration (±1).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { runProbe } from '../../src/probe/run';
import { decode, fixture, type Encoded } from './helpers';

interface Run {
  hyperparameters: Record<string, unknown>;
  losses: number[];
  evalLossAfter: number;
}
interface Reference {
  models: Record<string, { model: string; data: string; runs: Record<'sgd' | 'adamw', Run>; diverging: { hyperparameters: Record<string, unknown>; iterations: number; losses: Encoded[]; firstNonFinite: number; firstNonFiniteLoss: number } }>;
}

const dir = join(__dirname, 'fixtures', 'onnx');
const reference = fixture<Reference>('onnx/reference.json');

for (const [name, m] of Object.entries(reference.models)) {
  const spec = { model: join(dir, m.model), data: join(dir, m.data), backend: 'wasm' as const };
  for (const optimizer of ['sgd', 'adamw'] as const) {
    test(`${name} × ${optimizer}: the probe's losses are PyTorch's within 1e-3 for 5 iterations, and so is the loss of a validation pass after them`, async () => {
      const run = m.runs[optimizer];
      const r = await runProbe({ ...spec, hyperparameters: { ...run.hyperparameters, validation: 5 }, iterations: 5 });
      assert.equal(r.backend, 'wasm');
      assert.equal(r.firstNonFinite, null);
      const losses = r.losses!.map((l) => decode(l));
      losses.forEach((l, i) => {
        const rel = Math.abs(l - run.losses[i]!) / Math.abs(run.losses[i]!);
        assert.ok(rel <= 1e-3, `iteration ${i + 1}: probe ${l}, torch ${run.losses[i]} (relative ${rel.toExponential(2)})`);
      });
      // Eval mode after the steps: batch norm reads the running statistics the training passes updated.
      const validation = r.stats!.filter((s) => s.phase === 'validation' && s.iteration === 5).at(-1)!;
      assert.ok(Math.abs(validation.max - run.evalLossAfter) <= 1e-3 * run.evalLossAfter, `validation loss ${validation.max}, torch ${run.evalLossAfter}`);
    });
  }
  test(`${name}: the diverging learning rate goes non-finite at PyTorch's iteration (±1)`, async () => {
    const d = m.diverging;
    const r = await runProbe({ ...spec, hyperparameters: d.hyperparameters, iterations: d.iterations });
    // torch's iteration: the first whose loss, gradients or updated weights are non-finite; the probe's origin is the same point.
    assert.ok(r.origin, 'the probe stayed finite');
    assert.ok(Math.abs(r.origin.iteration - d.firstNonFinite) <= 1, `probe ${JSON.stringify(r.origin)}, torch iteration ${d.firstNonFinite}`);
    const firstLoss = r.losses!.findIndex((l) => typeof l !== 'number') + 1;
    assert.ok(firstLoss > 0 && Math.abs(firstLoss - d.firstNonFiniteLoss) <= 1, `probe loss non-finite at ${firstLoss}, torch at ${d.firstNonFiniteLoss}`);
  });
}
