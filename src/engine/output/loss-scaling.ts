// The text reader's one rule for a non-finite gradient norm logged next to a finite loss.
//
// Under fp16 mixed precision a dynamic loss scaler (torch GradScaler, accelerate/HF Trainer fp16, DeepSpeed,
// apex, fairseq) makes overflowing gradients routine: the step is skipped, the scale halves, training goes on,
// and the logged grad norm of that step is inf/nan while the loss stays finite. That is a transient overflow:
// an `overflow` event, not an incident (contract: "transient loss-scaler overflows that recover are events").
// Without a loss scaler nothing skips the step: the infinite gradients reach the optimizer and the weights
// become non-finite, so it is the run's first non-finite value: an incident.
//
// The log decides which, from what it shows about the run:
// - a loss scaler at work (scaler overflow or loss-scale lines, a `loss_scale` value, fp16 mixed precision
//   declared: accelerate's `Mixed precision type: fp16`, `--mixed_precision fp16`, `--fp16`) → transient;
// - no loss scaler declared (`Mixed precision type: no|bf16`, `--mixed_precision no|bf16`, `--bf16`) and none
//   at work → incident;
// - nothing shown either way → transient (fp16 runs such as the HF Trainer's print nothing about their scaler,
//   and a real divergence shows up as a non-finite loss on the next step, with this overflow in its `before`).
import type { TrainingEvent } from '../types';
import { isGradNorm, isLoss } from './formats/values';

export type LossScaling = 'shown' | 'absent' | 'unknown';

/** One value of a step as the rule sees it; `sentinel`: an infinity that is a setting (`max_grad_norm: inf`). */
export interface StepValue {
  name: string;
  finite: boolean;
  sentinel?: boolean;
}

/** The case this rule is about: some value is non-finite, all non-finite ones are gradient norms, and a loss is finite. */
export function isGradNormOverflow(values: StepValue[]): boolean {
  const bad = values.filter((v) => !v.finite && !v.sentinel);
  return bad.length > 0 && bad.every((v) => isGradNorm(v.name)) && values.some((v) => v.finite && isLoss(v.name));
}

const HINT = /recision|fp16|bf16|FP16|BF16/;
const SCALER_DECLARED = /\bMixed precision type: fp16\b|--mixed[_-]precision[= ]["']?fp16\b|(?:^|\s)--fp16\b|\bfp16=True\b/;
const NO_SCALER_DECLARED = /\bMixed precision type: (?:no|bf16|fp8)\b|--mixed[_-]precision[= ]["']?(?:no|bf16)\b|(?:^|\s)--bf16\b|\bbf16=True\b/;
const SCALE_METRIC = /^(?:train[/_])?(?:loss[_ ]?scale|scale|grad[_ ]?scale|scaler[_ ]?scale)$/i;

/** What one run's output has shown about loss scaling so far. */
export class LossScalingEvidence {
  private declared: LossScaling = 'unknown';
  private atWork = false;

  /** A line of output (rank prefix removed): accelerate's state, a command line, an args dump. */
  noteText(text: string): void {
    if (!HINT.test(text)) return;
    if (SCALER_DECLARED.test(text)) this.declared = 'shown';
    else if (NO_SCALER_DECLARED.test(text)) this.declared = 'absent';
  }

  /** An event the run produced: scaler overflows, loss-scale changes and scale values show a scaler at work. */
  noteEvent(e: TrainingEvent): void {
    if (e.kind === 'overflow' || e.kind === 'loss-scale' || e.lossScale !== undefined) this.atWork = true;
    else if (e.metrics && Object.keys(e.metrics).some((name) => SCALE_METRIC.test(name))) this.atWork = true;
  }

  get state(): LossScaling {
    return this.atWork ? 'shown' : this.declared;
  }

  /** True when a non-finite gradient norm with a finite loss is a skipped step rather than a divergence. */
  gradNormOverflowIsTransient(): boolean {
    return this.state !== 'absent';
  }
}

/** An overflow event of a dynamic loss scaler: the step it happened at, the scale it tried and the one it fell to. */
export interface OverflowReport {
  step: number | null;
  from?: number;
  to?: number;
  /** The scale under which this scaler's cascade did not recover (default 1). */
  low?: number;
}

// Dynamic scalers start at 2^16 (torch GradScaler, apex, DeepSpeed) and a healthy fp16 run settles between
// 2^10 and 2^16; falling to 2^5 while every step overflows means the gradients overflow at any scale.
const LOW_SCALE = 32;
const STEPS_IN_A_ROW = 3;

/**
 * Tells a loss scaler that calibrates or skips the odd step (events) from an overflow cascade that did not
 * recover (an incident at its first overflow): the scale fell below 1, an overflow at a scale of 1 or less
 * (`Attempted loss scale: 1, reducing to 1`), or every shown step overflowing with the scale down to 2^5.
 */
export class OverflowCascade {
  private run: { first: number; steps: (number | null)[] } | null = null;

  /** An overflow report at `line`; returns the line of the cascade's first overflow when the cascade is an incident. */
  overflow(line: number, o: OverflowReport): number | null {
    this.run ??= { first: line, steps: [] };
    this.run.steps.push(o.step);
    const lowNow = (o.to !== undefined && o.to < (o.low ?? 1)) || (o.from !== undefined && o.from <= 1);
    const steps = this.run.steps.slice(-STEPS_IN_A_ROW);
    const everyStep =
      steps.length === STEPS_IN_A_ROW && steps.every((s, i) => s !== null && (i === 0 || s === steps[i - 1]! + 1)) && o.to !== undefined && o.to <= LOW_SCALE;
    return lowNow || everyStep ? this.run.first : null;
  }

  /**
   * A training step went by: a whole step without an overflow ends the cascade. Overflow lines that show no step
   * (fairseq's, apex's) end it at any training line after them: the run logged progress in between.
   */
  step(step: number | null): void {
    if (!this.run || step === null) return;
    const last = this.run.steps[this.run.steps.length - 1];
    if (last === null || (last !== undefined && step > last + 1)) this.run = null;
  }

  /** The scale grew again: the scaler recovered. */
  recovered(): void {
    this.run = null;
  }
}
