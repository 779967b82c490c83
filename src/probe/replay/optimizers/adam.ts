// Adam and AdamW with torch.optim's single-tensor semantics on a low-precision tensor: each in-place op
// computes in fp32 ("opmath", scalars cast to fp32) and rounds its result once to the parameter's precision.
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

const f = Math.fround;

export function createAdam(o: AdamOptions): Optimizer {
  return {
    stateNames: ['exp_avg', 'exp_avg_sq'],
    step(params: OptimizerParam[], lr: number, step: number): void {
      // Scalars are computed in double (Python floats) and cast to fp32 by each op's opmath.
      const bc1 = 1 - o.beta1 ** step;
      const bc2Sqrt = Math.sqrt(1 - o.beta2 ** step);
      const stepSize = lr / bc1;
      const k: Scalars = {
        decoupled: o.decoupled,
        decay: f(1 - lr * o.weightDecay),
        wd: f(o.weightDecay),
        a1: f(1 - o.beta1),
        b2: f(o.beta2),
        a2: f(1 - o.beta2),
        c2: f(bc2Sqrt),
        eps: f(o.eps),
        negStep: f(-stepSize),
      };
      for (const p of params) {
        const n = p.weights.length;
        const m = state(p, 'exp_avg', n);
        const v = state(p, 'exp_avg_sq', n);
        if (p.precision === 'fp16') adamFp16(p.weights, p.grad, m, v, k, p.norms);
        else adamRounded(rounder(p.precision), p.weights, p.grad, m, v, k, p.norms);
      }
    },
  };
}

interface Scalars {
  decoupled: boolean;
  /** fp32(1 - lr·wd), the AdamW decay factor. */
  decay: number;
  wd: number;
  /** lerp_'s weight, fp32(1 - beta1). */
  a1: number;
  b2: number;
  a2: number;
  c2: number;
  eps: number;
  negStep: number;
}

/**
 * One step over a parameter, R rounding each op's fp32 result (a function of its own, so V8 optimizes it on its own):
 *   p.mul_(1 - lr·wd)                 (AdamW)    | g = g.add(p, alpha=wd)   (Adam with L2)
 *   exp_avg.lerp_(g, 1 - beta1)
 *   exp_avg_sq.mul_(beta2).addcmul_(g, g, value=1 - beta2)
 *   denom = (exp_avg_sq.sqrt() / bias_correction2_sqrt).add_(eps)
 *   p.addcdiv_(exp_avg, denom, value=-step_size)
 */
function adamRounded(R: (x: number) => number, w: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, k: Scalars, norms: OptimizerParam['norms']): void {
  const { decoupled, decay, wd, a1, b2, a2, c2, eps, negStep } = k;
  const l2 = !decoupled && wd !== 0;
  const decays = decoupled && decay !== 1;
  // lerp switches formula at weight 0.5 (ATen's is_lerp_weight_small).
  const small = Math.abs(a1) < 0.5;
  const a1c = f(1 - a1);
  // Norms accumulate in locals: adding into an object field every element would box each double.
  const track = norms !== undefined;
  let old2 = 0;
  let delta2 = 0;
  const n = w.length;
  for (let i = 0; i < n; i++) {
    let gi = g[i];
    const old = w[i];
    let wi = old;
    if (decays) wi = R(f(wi * decay));
    else if (l2) gi = R(f(gi + f(wd * wi)));
    const m0 = m[i];
    const mi = small ? R(f(m0 + f(a1 * f(gi - m0)))) : R(f(gi - f(f(gi - m0) * a1c)));
    const vi = R(f(R(f(v[i] * b2)) + f(f(a2 * gi) * gi)));
    const denom = R(f(R(f(R(f(Math.sqrt(vi))) / c2)) + eps));
    m[i] = mi;
    v[i] = vi;
    const next = R(f(wi + f(negStep * f(mi / denom))));
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
  const { decoupled, decay, wd, a1, b2, a2, c2, eps, negStep } = k;
  const l2 = !decoupled && wd !== 0;
  // A factor of exactly 1 changes nothing.
  const decays = decoupled && decay !== 1;
  const small = Math.abs(a1) < 0.5;
  const a1c = f(1 - a1);
  const track = norms !== undefined;
  let old2 = 0;
  let delta2 = 0;
  const n = w.length;
  for (let i = 0; i < n; i++) {
    let gi = g[i];
    const old = w[i];
    let wi = old;
    if (decays) wi = R(f(wi * decay));
    else if (l2) gi = R(f(gi + f(wd * wi)));
    const m0 = m[i];
    const mi = small ? R(f(m0 + f(a1 * f(gi - m0)))) : R(f(gi - f(f(gi - m0) * a1c)));
    const vi = R(f(R(f(v[i] * b2)) + f(f(a2 * gi) * gi)));
    const denom = R(f(R(f(R(f(Math.sqrt(vi))) / c2)) + eps));
    m[i] = mi;
    v[i] = vi;
    const next = R(f(wi + f(negStep * f(mi / denom))));
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
