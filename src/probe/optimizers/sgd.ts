// torch.optim.SGD: momentum, dampening, nesterov and L2 weight decay, every intermediate rounded to the parameter's precision.
import { rounder } from '../precision';
import type { Optimizer, OptimizerParam } from './types';

export interface SgdOptions {
  momentum: number;
  dampening: number;
  nesterov: boolean;
  weightDecay: number;
}

export function createSgd(o: SgdOptions): Optimizer {
  if (o.nesterov && (o.momentum <= 0 || o.dampening !== 0)) throw new Error('Nesterov momentum requires a momentum and zero dampening');
  return {
    stateNames: o.momentum !== 0 ? ['momentum_buffer'] : [],
    step(params: OptimizerParam[], lr: number): void {
      for (const p of params) {
        const R = rounder(p.precision);
        const n = p.weights.length;
        const w = p.weights;
        const g = p.grad;
        const wd = R(o.weightDecay);
        const mu = R(o.momentum);
        const damp = R(1 - o.dampening);
        const negLr = R(-lr);
        let buf = p.state.get('momentum_buffer');
        // torch starts the buffer as a clone of the first step's gradient (no dampening on it).
        const first = o.momentum !== 0 && !buf;
        if (first) {
          buf = new Float32Array(n);
          p.state.set('momentum_buffer', buf);
        }
        const norms = p.norms;
        for (let i = 0; i < n; i++) {
          let d = g[i];
          if (o.weightDecay !== 0) d = R(d + R(wd * w[i]));
          if (buf) {
            const b = first ? d : R(R(buf[i] * mu) + R(damp * d));
            buf[i] = b;
            d = o.nesterov ? R(d + R(mu * b)) : b;
          }
          const old = w[i];
          const next = R(old + R(negLr * d));
          w[i] = next;
          if (norms) {
            norms.old += old * old;
            norms.delta += (next - old) * (next - old);
          }
        }
      }
    },
  };
}
