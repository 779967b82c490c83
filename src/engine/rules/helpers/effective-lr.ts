// The learning rate the optimizer really uses, which the learning-rate and warmup rules both judge.
import type { RuleContext } from '../types';

/** The lr the optimizer really uses: `scale_lr` multiplies by batch size × processes × accumulation. */
export function effectiveLearningRate(ctx: RuleContext): { lr: number; factor: number; how: string } | undefined {
  const lr = ctx.hp.learning_rate?.value;
  if (lr === undefined) return undefined;
  if (!ctx.hp.scale_lr?.value) return { lr, factor: 1, how: '' };
  const bs = ctx.hp.batch_size?.value ?? 1;
  const acc = ctx.hp.gradient_accumulation_steps?.value ?? 1;
  const procs = ctx.hp.num_processes?.value ?? 1;
  const factor = bs * acc * procs;
  return { lr: lr * factor, factor, how: ` × ${bs} (batch) × ${acc} (accumulation) × ${procs} (processes) from scale_lr` };
}
