// Learning-rate warmup as diffusers' get_scheduler builds it (a LambdaLR stepped after each optimizer step).
export type SchedulerKind = 'constant' | 'constant_with_warmup' | 'linear';

/** The learning rate used by iteration `it` (1-based): LambdaLR starts at lambda(0), so iteration 1 of a warmup runs at lr 0. */
export function learningRateAt(base: number, it: number, kind: SchedulerKind, warmupSteps: number, totalSteps: number): number {
  const step = it - 1;
  if (kind === 'constant') return base; // diffusers' 'constant' ignores warmup steps
  if (step < warmupSteps) return base * (step / Math.max(1, warmupSteps));
  if (kind === 'constant_with_warmup') return base;
  return base * Math.max(0, (totalSteps - step) / Math.max(1, totalSteps - warmupSteps));
}
