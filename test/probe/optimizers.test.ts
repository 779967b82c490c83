import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createAdam } from '../../src/probe/replay/optimizers/adam';
import { createSgd } from '../../src/probe/replay/optimizers/sgd';
import type { Optimizer, OptimizerParam } from '../../src/probe/replay/optimizers/types';
import type { Precision } from '../../src/probe/replay/precision';
import { toFp16 } from '../../src/probe/replay/precision';
import { decodeAll, firstMismatch, fixture, type Encoded } from './helpers';

interface Hyper {
  name: string;
  optimizer: 'adamw' | 'adam' | 'sgd';
  lr: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
  weight_decay: number;
  momentum?: number;
  dampening?: number;
  nesterov?: boolean;
}
interface TorchCase extends Hyper {
  params: Encoded[][];
  grads: Encoded[][][];
  after: Encoded[][][];
}
interface Fp16Case extends Hyper {
  params: Encoded[];
  grads: Encoded[][];
  after: { p: Encoded[]; m: Encoded[]; v?: Encoded[] }[];
}
const ref = fixture<{ torch: TorchCase[]; fp16: Fp16Case[] }>('optimizer-reference.json');

function optimizerFor(c: Hyper): Optimizer {
  if (c.optimizer === 'sgd') return createSgd({ momentum: c.momentum ?? 0, dampening: c.dampening ?? 0, nesterov: c.nesterov ?? false, weightDecay: c.weight_decay });
  return createAdam({ beta1: c.beta1!, beta2: c.beta2!, eps: c.eps!, weightDecay: c.weight_decay, decoupled: c.optimizer === 'adamw' });
}

const param = (weights: Float32Array, precision: Precision): OptimizerParam => ({ weights, grad: new Float32Array(weights.length), state: new Map(), precision });

for (const c of ref.torch) {
  test(`fp32 ${c.name} follows torch.optim step by step`, () => {
    const opt = optimizerFor(c);
    const params = c.params.map((p) => param(decodeAll(p), 'fp32'));
    c.grads.forEach((grads, step) => {
      params.forEach((p, i) => (p.grad = decodeAll(grads[i])));
      opt.step(params, c.lr, step + 1);
      params.forEach((p, i) => {
        const expected = decodeAll(c.after[step][i]);
        const bad = firstMismatch(p.weights, expected, 2e-6, 1e-7);
        assert.equal(bad, -1, `step ${step + 1} param ${i}[${bad}]: ${p.weights[bad]} vs torch ${expected[bad]}`);
      });
    });
  });
}

for (const c of ref.fp16) {
  test(`fp16 ${c.name} matches numpy float16 exactly, inf and NaN included`, () => {
    const opt = optimizerFor(c);
    const p = param(decodeAll(c.params), 'fp16');
    c.grads.forEach((g, step) => {
      p.grad = decodeAll(g);
      opt.step([p], c.lr, step + 1);
      const want = c.after[step];
      const bad = firstMismatch(p.weights, decodeAll(want.p));
      assert.equal(bad, -1, `step ${step + 1} p[${bad}]: ${p.weights[bad]} vs numpy ${want.p[bad]}`);
      const m = p.state.get(c.optimizer === 'sgd' ? 'momentum_buffer' : 'exp_avg')!;
      assert.equal(firstMismatch(m, decodeAll(want.m)), -1, `step ${step + 1} first moment`);
      if (want.v) assert.equal(firstMismatch(p.state.get('exp_avg_sq')!, decodeAll(want.v)), -1, `step ${step + 1} second moment`);
    });
  });
}

test('fp16 AdamW with eps 1e-8 writes inf/NaN where v underflows; eps 1e-6 does not', () => {
  const run = (eps: number): Float32Array => {
    const p = param(Float32Array.from([0.01, -0.02, 0.03, 0.5]), 'fp16');
    p.grad = Float32Array.from([1e-3, -2e-3, 0, 0.5]);
    createAdam({ beta1: 0.9, beta2: 0.999, eps, weightDecay: 0.01, decoupled: true }).step([p], 1e-5, 1);
    return p.weights;
  };
  const tiny = run(1e-8);
  assert.equal(tiny[0], -Infinity); // m > 0, v = 0, eps = 0: m / 0 = inf
  assert.equal(tiny[1], Infinity);
  assert.ok(Number.isNaN(tiny[2])); // 0 / 0
  assert.ok(Number.isFinite(tiny[3])); // a large gradient keeps v representable
  assert.ok(run(1e-6).every(Number.isFinite));
});

test('fp32 AdamW with the same tiny gradients stays finite', () => {
  const p = param(Float32Array.from([0.01, -0.02, 0.03]), 'fp32');
  p.grad = Float32Array.from([1e-3, -2e-3, 0]);
  createAdam({ beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01, decoupled: true }).step([p], 1e-5, 1);
  assert.ok(p.weights.every(Number.isFinite));
});

test('SGD refuses nesterov without momentum, as torch does', () => {
  assert.throws(() => createSgd({ momentum: 0, dampening: 0, nesterov: true, weightDecay: 0 }), /Nesterov/);
});

test('fp16 AdamW multiplies by the step size in fp32 before rounding, as addcdiv_ does (no overflow of m/denom alone)', () => {
  // g = 5e-3: g² underflows exp_avg_sq, so denom is eps (6e-8, one fp16 subnormal step) and m/denom passes 65504.
  const p = param(Float32Array.from([0.5]), 'fp16');
  p.grad = Float32Array.from([5e-3]).map(toFp16);
  const adam = createAdam({ beta1: 0.9, beta2: 0.999, eps: 6e-8, weightDecay: 0, decoupled: true });
  for (let step = 1; step <= 15; step++) adam.step([p], 1e-3, step);
  assert.equal(p.weights[0], -1259);
});
