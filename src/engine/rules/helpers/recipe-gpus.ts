// Detectron and Detectron.pytorch (and their forks) write the recipe's GPU count into the config: `NUM_GPUS: 8`,
// with TRAIN.IMS_PER_BATCH images per GPU; every recipe is for 8 GPUs. The training script takes
// NUM_GPUS × TRAIN.IMS_PER_BATCH as the batch BASE_LR was tuned for and scales the lr by the run's batch over it.
// NUM_GPUS edited to the GPUs at hand shrinks that reference, and the script raises the lr by as much.
import type { LocatedValue, NanDiagnostic } from '../../types';
import { afterAnUpdate, baseName, relatedIncident, shows, type Evidence } from './evidence';
import { fix, replaceValue } from './edits';
import type { RuleContext } from '../types';

const RECIPE_GPUS = 8;

const numberAt = (ctx: RuleContext, file: string, keyPath: RegExp): LocatedValue | undefined =>
  ctx.files.find((f) => f.file === file)?.values.find((v) => keyPath.test(v.keyPath) && typeof v.value === 'number');

/** NUM_GPUS set below the recipe's 8 where a script scales the lr against NUM_GPUS × TRAIN.IMS_PER_BATCH. */
export function editedRecipeGpus(ctx: RuleContext, e: Evidence | undefined): NanDiagnostic[] {
  const gpus = ctx.files.flatMap((f) => f.values).find((v) => v.keyPath === 'NUM_GPUS' && typeof v.value === 'number' && v.value > 0 && v.value < RECIPE_GPUS);
  if (!gpus) return [];
  const perGpu = numberAt(ctx, gpus.file, /^TRAIN\.IMS_PER_BATCH$/);
  const lr = numberAt(ctx, gpus.file, /^SOLVER\.BASE_LR$/);
  if (!perGpu || !lr) return [];
  const scaling = scalingLine(ctx);
  if (!scaling) return [];
  const gpusN = gpus.value as number;
  const ratio = RECIPE_GPUS / gpusN;
  const related: NanDiagnostic['related'] = [
    ...(e ? [relatedIncident(e)] : []),
    { file: scaling.file, line: scaling.line, message: 'the reference batch: NUM_GPUS × TRAIN.IMS_PER_BATCH' },
    { file: lr.file, line: lr.range.start.line + 1, message: `BASE_LR ${lr.text}` },
  ];
  return [
    {
      file: gpus.file,
      range: gpus.range,
      severity: e && afterAnUpdate(e) ? 'error' : 'warning',
      code: 'learning-rate',
      message:
        `NUM_GPUS: ${gpus.text} is the GPU count BASE_LR ${lr.text} was tuned for, not the GPUs this run has: ${baseName(scaling.file)}:${scaling.line} takes ` +
        `NUM_GPUS × TRAIN.IMS_PER_BATCH = ${gpusN * (perGpu.value as number)} as its reference batch and scales the lr by the run's batch over it, ` +
        `so the lr comes out ${ratio.toFixed(1)}× what the ${RECIPE_GPUS}-GPU recipe gives for the same batch${e ? `; ${shows(e)}` : ''}. ` +
        `Keep NUM_GPUS at ${RECIPE_GPUS} and pick the GPUs with CUDA_VISIBLE_DEVICES`,
      related,
      fixes: [fix(`Set NUM_GPUS back to ${RECIPE_GPUS} (the recipe's)`, replaceValue(gpus, String(RECIPE_GPUS)))],
      verified: false,
    },
  ];
}

/** Where a script multiplies NUM_GPUS by TRAIN.IMS_PER_BATCH (on one line) and reads SOLVER.BASE_LR after it. */
function scalingLine(ctx: RuleContext): { file: string; line: number } | undefined {
  for (const f of ctx.files) {
    const reads = f.configReads ?? [];
    for (const g of reads.filter((r) => r.keyPath === 'NUM_GPUS')) {
      const line = g.range.start.line;
      const product = reads.some((r) => r.keyPath === 'TRAIN.IMS_PER_BATCH' && r.range.start.line === line);
      const lrAfter = reads.some((r) => r.keyPath === 'SOLVER.BASE_LR' && r.range.start.line > line);
      if (product && lrAfter) return { file: f.file, line: line + 1 };
    }
  }
  return undefined;
}
