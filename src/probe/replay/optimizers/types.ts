// The optimizer replay's shared shapes: parameters as typed arrays in their emulated precision.
import type { Precision } from '../precision';

export interface OptimizerParam {
  /** The master weights, updated in place, every value representable in `precision`. */
  weights: Float32Array;
  /** The gradient (unscaled, after clipping), in the gradient's precision. */
  grad: Float32Array;
  /** Optimizer state tensors by torch's names (exp_avg, exp_avg_sq, momentum_buffer), created on the first step. */
  state: Map<string, Float32Array>;
  /** Precision of weights and optimizer state (torch keeps the state in the parameter's dtype). */
  precision: Precision;
  /** When set, the step adds Σw² before it and Σ(Δw)² into it (for the update-to-weight probe, without a copy of the weights). */
  norms?: { old: number; delta: number };
}

export interface Optimizer {
  /** One optimizer.step() at learning rate lr; `step` is the 1-based step count (for bias correction). */
  step(params: OptimizerParam[], lr: number, step: number): void;
  /** The state tensor names this optimizer keeps (for the optimizer-state probe). */
  readonly stateNames: readonly string[];
}
