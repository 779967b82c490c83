// Adam and AdamW with torch.optim's single-tensor semantics, every intermediate rounded to the parameter's precision.
import { rounder, toFp16 } from '../precision';
import type { Optimizer, OptimizerParam } from './types';

export interface AdamOptions {
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  /** AdamW: decoupled weight decay p *= 1 - lr·wd; Adam: L2 added to the gradient. */
  decoupled: boolean;
}

export function createAdam(o: AdamOptions): Optimizer {
  return {
    stateNames: ['exp_avg', 'exp_avg_sq'],
    step(params: OptimizerParam[], lr: number, step: number): void {
      // Scalars are computed in double (Python floats) and cast to the tensor dtype by each op.
      const bc1 = 1 - o.beta1 ** step;
      const bc2Sqrt = Math.sqrt(1 - o.beta2 ** step);
      const stepSize = lr / bc1;
      for (const p of params) {
        const R = rounder(p.precision);
        const n = p.weights.length;
        const m = state(p, 'exp_avg', n);
        const v = state(p, 'exp_avg_sq', n);
        const w = p.weights;
        const g = p.grad;
        const decay = R(1 - lr * o.weightDecay);
        const wd = R(o.weightDecay);
        const b1 = R(o.beta1);
        const b2 = R(o.beta2);
        const a1 = R(1 - o.beta1);
        const a2 = R(1 - o.beta2);
        const c2 = R(bc2Sqrt);
        const eps = R(o.eps);
        const negStep = R(-stepSize);
        const k = { decoupled: o.decoupled, decay, wd, b1, b2, a1, a2, c2, eps, negStep };
        if (p.precision === 'fp16') adamFp16(w, g, m, v, k, p.norms);
        else adamRounded(R, w, g, m, v, k, p.norms);
      }
    },
  };
}

interface Scalars {
  decoupled: boolean;
  decay: number;
  wd: number;
  b1: number;
  b2: number;
  a1: number;
  a2: number;
  c2: number;
  eps: number;
  negStep: number;
}

/** One Adam/AdamW step over a parameter, every op rounded by R (a function of its own, so V8 optimizes it on its own). */
function adamRounded(R: (x: number) => number, w: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, k: Scalars, norms: OptimizerParam['norms']): void {
  const { decoupled, decay, wd, b1, b2, a1, a2, c2, eps, negStep } = k;
  const l2 = !decoupled && wd !== 0;
  // Norms accumulate in locals: adding into an object field every element would box each double.
  const track = norms !== undefined;
  let old2 = 0;
  let delta2 = 0;
  const n = w.length;
  for (let i = 0; i < n; i++) {
    let gi = g[i];
    const old = w[i];
    let wi = old;
    if (decoupled) wi = R(wi * decay);
    else if (l2) gi = R(gi + R(wd * wi));
    const mi = R(R(m[i] * b1) + R(a1 * gi));
    const vi = R(R(v[i] * b2) + R(R(a2 * gi) * gi));
    const denom = R(R(R(Math.sqrt(vi)) / c2) + eps);
    m[i] = mi;
    v[i] = vi;
    const next = R(wi + R(negStep * R(mi / denom)));
    w[i] = next;
    if (track) {
      old2 += old * old;
      delta2 += (next - old) * (next - old);
    }
  }
  if (norms) {
    norms.old += old2;
    norms.delta += delta2;
  }
}

/** The same loop with toFp16 called directly, so V8 can inline it (the generic loop's call is polymorphic). */
function adamFp16(w: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, k: Scalars, norms: OptimizerParam['norms']): void {
  const R = toFp16;
  // Scalars in locals: the loop runs 1.5M times on the seed replica.
  const { decoupled, decay, wd, b1, b2, a1, a2, c2, eps, negStep } = k;
  const l2 = !decoupled && wd !== 0;
  // fp16(1 - lr·wd) is exactly 1 for small lr·wd, and then the decay changes nothing.
  const decays = decoupled && decay !== 1;
  const track = norms !== undefined;
  let old2 = 0;
  let delta2 = 0;
  const n = w.length;
  for (let i = 0; i < n; i++) {
    let gi = g[i];
    const old = w[i];
    let wi = old;
    if (decays) wi = R(wi * decay);
    else if (l2) gi = R(gi + R(wd * wi));
    const mi = R(R(m[i] * b1) + R(a1 * gi));
    const vi = R(R(v[i] * b2) + R(R(a2 * gi) * gi));
    const denom = R(R(R(Math.sqrt(vi)) / c2) + eps);
    m[i] = mi;
    v[i] = vi;
    const next = R(wi + R(negStep * R(mi / denom)));
    w[i] = next;
    if (track) {
      old2 += old * old;
      delta2 += (next - old) * (next - old);
    }
  }
  if (norms) {
    norms.old += old2;
    norms.delta += delta2;
  }
}

function state(p: OptimizerParam, name: string, n: number): Float32Array {
  let s = p.state.get(name);
  if (!s) {
    s = new Float32Array(n);
    p.state.set(name, s);
  }
  return s;
}
