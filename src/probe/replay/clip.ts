// clip_grad_norm_ over all parameters with PyTorch's semantics (error_if_nonfinite=False).
import { rounder, type Precision } from './precision';

/** The 2-norm of one gradient, accumulated in fp64 and rounded to its dtype (torch.norm of an fp16 tensor is fp16). */
export function gradNorm(g: Float32Array, p: Precision): number {
  let s = 0;
  for (let i = 0; i < g.length; i++) s += g[i] * g[i];
  return rounder(p)(Math.sqrt(s));
}

/**
 * Clips the gradients in place, as torch.nn.utils.clip_grad_norm_: the total norm is the norm of the
 * per-parameter norms; every gradient is multiplied by min(max_norm / (total + 1e-6), 1). A non-finite
 * total makes the coefficient NaN or 0, which poisons the gradients just as torch does.
 */
export function clipGradNorm(grads: { values: Float32Array; precision: Precision }[], maxNorm: number): { total: number; coefficient: number } {
  if (grads.length === 0) return { total: 0, coefficient: 1 };
  const norms = grads.map((g) => gradNorm(g.values, g.precision));
  // torch stacks the norms (all of the first grad's dtype) and takes their norm in that dtype.
  const stackPrecision = grads[0].precision;
  const r = rounder(stackPrecision);
  let s = 0;
  for (const n of norms) s += r(n) * r(n);
  const total = r(Math.sqrt(s));
  // The coefficient is a tensor of the norms' dtype; Math.min keeps NaN as torch.clamp does.
  const clamped = Math.min(r(maxNorm / r(total + 1e-6)), 1);
  // Multiplying by exactly 1 changes nothing (x·1 is x in every precision), so the pass is skipped.
  if (clamped === 1) return { total, coefficient: 1 };
  for (const g of grads) {
    const round = rounder(g.precision);
    const c = round(clamped);
    const v = g.values;
    for (let i = 0; i < v.length; i++) v[i] = round(v[i] * c);
  }
  return { total, coefficient: clamped };
}
