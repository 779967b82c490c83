// torch.optim.SGD: momentum, dampening, nesterov and L2 weight decay, every intermediate rounded to the parameter's precision.
import { rounder } from '../precision';
import type { Optimizer, OptimizerParam } from './types';

export interface SgdOptions {
  momentum: number;
  dampening: number;
  nesterov: boolean;
  weightDecay: number;
}

interface Scalars {
  wd: number;
  mu: number;
  damp: number;
  negLr: number;
  nesterov: boolean;
  decays: boolean;
}

/** One SGD step over a parameter (a function of its own, so V8 optimizes the loop on its own). */
function sgdRounded(R: (x: number) => number, w: Float32Array, g: Float32Array, buf: Float32Array | undefined, first: boolean, k: Scalars, norms: OptimizerParam['norms']): void {
  const { wd, mu, damp, negLr, nesterov, decays } = k;
  // Norms accumulate in locals: adding into an object field every element would box each double.
  const track = norms !== undefined;
  let old2 = 0;
  let delta2 = 0;
  for (let i = 0; i < w.length; i++) {
    const old = w[i];
    let d = g[i];
    if (decays) d = R(d + R(wd * old));
    if (buf) {
      // torch starts the buffer as a clone of the first step's gradient (no dampening on it).
      const b = first ? d : R(R(buf[i] * mu) + R(damp * d));
      buf[i] = b;
      d = nesterov ? R(d + R(mu * b)) : b;
    }
    const next = R(old + R(negLr * d));
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

export function createSgd(o: SgdOptions): Optimizer {
  if (o.nesterov && (o.momentum <= 0 || o.dampening !== 0)) throw new Error('Nesterov momentum requires a momentum and zero dampening');
  return {
    stateNames: o.momentum !== 0 ? ['momentum_buffer'] : [],
    step(params: OptimizerParam[], lr: number): void {
      for (const p of params) {
        const R = rounder(p.precision);
        let buf = p.state.get('momentum_buffer');
        const first = o.momentum !== 0 && !buf;
        if (first) {
          buf = new Float32Array(p.weights.length);
          p.state.set('momentum_buffer', buf);
        }
        const k = { wd: R(o.weightDecay), mu: R(o.momentum), damp: R(1 - o.dampening), negLr: R(-lr), nesterov: o.nesterov, decays: o.weightDecay !== 0 };
        sgdRounded(R, p.weights, p.grad, buf, first, k, p.norms);
      }
    },
  };
}
