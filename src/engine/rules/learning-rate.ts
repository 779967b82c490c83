// A learning rate that is high for its optimizer and task (scale_lr multiplies it by the batch).
import type { NanDiagnostic } from '../types';
import { afterAnUpdate, atFirstStep, firstEvidence, firstPassClears, relatedIncident, shows, whatWentNonFinite, type Evidence } from './helpers/evidence';
import { settingRef } from './helpers/weights';
import { fix, formatLike, replaceValue } from './helpers/edits';
import { familyReference, recipeBatch, runBatch } from './helpers/batch';
import { effectiveLearningRate } from './helpers/effective-lr';
import { editedRecipeGpus } from './helpers/recipe-gpus';
import { unreadOption } from '../hyperparameters/unread';
import type { Rule, RuleContext } from './types';

/** Fine-tuning starts from trained weights: the same lr hurts more than from scratch. */
function fineTuning(ctx: RuleContext): boolean {
  return ctx.files.some((f) => f.values.some((v) => /pretrained|base_model|model_name_or_path|load_from|init_from|resume_from/i.test(v.keyPath)));
}

/** Above this the lr is high for the optimizer family (and whether the weights are pre-trained). */
export function highLearningRate(optimizer: string | undefined, fineTune: boolean): number {
  const o = (optimizer ?? 'adamw').toLowerCase();
  if (/sgd|momentum|lars/.test(o)) return fineTune ? 0.1 : 1.0;
  if (/lion/.test(o)) return fineTune ? 1e-4 : 1e-3;
  if (/adafactor|prodigy|dadapt/.test(o)) return fineTune ? 1e-2 : 1e-1; // relative / adaptive step sizes
  if (/adadelta/.test(o)) return 5; // its lr scales a self-normalised step; 1.0 is the default
  if (/adagrad|rmsprop/.test(o)) return fineTune ? 0.05 : 0.5;
  return fineTune ? 5e-4 : 3e-3; // Adam family
}

/** `--scale_lr` (a flag) is removed; `True` / `true` become `False` / `false`. */
function falseLike(text: string): string {
  if (text.startsWith('-')) return '';
  return /^[A-Z]/.test(text) ? 'False' : 'false';
}

/** The optimizer the run uses: as configured, else the framework's default (yacs `SOLVER.BASE_LR` recipes train with SGD). */
function optimizerOf(ctx: RuleContext): string | undefined {
  if (ctx.hp.optimizer) return ctx.hp.optimizer.value;
  if (/^solver\.base_lr$/i.test(ctx.hp.learning_rate?.at.keyPath ?? '')) return 'SGD';
  return undefined;
}

/** Below this an lr cannot blow up the weights by itself: Adam's steps are bounded by the lr, SGD's are not. */
function clearlyLow(optimizer: string | undefined, limit: number): number {
  return /sgd|momentum|lars/i.test(optimizer ?? '') ? 1e-4 : limit / 10;
}

export const learningRate: Rule = {
  code: 'learning-rate',
  check(ctx) {
    return [...judge(ctx), ...editedRecipeGpus(ctx, firstEvidence(ctx.runs))];
  },
};

/** The learning rate itself: against its recipe's batch, a family reference, or the optimizer's range. */
/**
 * The lr the run was at when it went non-finite: the one the log shows, or else the most a warmup from 0 can have
 * reached by the incident's step (lr × step / warmup steps: the log's step counts batches, at least as many as
 * optimizer steps; a log that only counts epochs says nothing here). With the words that say so.
 */
function lrReached(ctx: RuleContext, e: Evidence, lr: number): { lr: number; says: string; related?: NanDiagnostic['related'] } | undefined {
  const used = e.run.lrAtIncident;
  if (used !== undefined) {
    return { lr: used, says: `the log shows the run at lr ${used} when it went non-finite (${whatWentNonFinite(e)}), so the configured lr has not acted yet and is not the cause of this NaN (cleared)` };
  }
  const warm = ctx.hp.warmup_steps;
  const step = e.incident.step;
  if (!warm || warm.value <= 1 || step == null || step === e.incident.epoch || step >= warm.value || unreadOption(warm, ctx.files)) return undefined;
  const bound = (lr * step) / warm.value;
  return {
    lr: bound,
    says: `${warm.at.key} ${warm.value} warms the lr up from 0: when ${whatWentNonFinite(e)}, it was at most ${bound.toExponential(1)}; the configured lr is not the cause of this NaN (cleared)`,
    related: [{ file: warm.at.file, line: warm.at.range.start.line + 1, message: settingRef(warm) }],
  };
}

function judge(ctx: RuleContext): NanDiagnostic[] {
  const setting = ctx.hp.learning_rate;
  const eff = effectiveLearningRate(ctx);
  if (!setting || !eff) return [];
  const e = firstEvidence(ctx.runs);
  const optimizerName = optimizerOf(ctx);
  const optimizer = optimizerName ?? 'an Adam-type optimizer';
  const limit = highLearningRate(optimizerName, fineTuning(ctx));
  const effText = eff.factor === 1 ? '' : ` (effective ${eff.lr.toExponential(1)} = ${setting.at.text}${eff.how})`;
  const related: NanDiagnostic['related'] = e ? [relatedIncident(e)] : [];
  // a NaN in the first forward pass came before the learning rate was ever applied
  const firstPass = !!e && atFirstStep(e);
  const implicated = !!e && afterAnUpdate(e);
  const diagnostic = (severity: NanDiagnostic['severity'], message: string, target?: number, extra: NanDiagnostic['related'] = []): NanDiagnostic => ({
    file: setting.at.file,
    range: setting.at.range,
    severity,
    code: 'learning-rate',
    message,
    related: [...related, ...extra],
    fixes: target === undefined ? [] : [fix(`Set ${setting.at.key} to ${formatLike(setting.at.text, target)}`, replaceValue(setting.at, formatLike(setting.at.text, target)))],
    verified: false,
    ...(target === undefined ? {} : { change: { learning_rate: target } }),
  });
  const evidence = !e ? '' : firstPass ? `, but ${firstPassClears(e, 'the learning rate')}` : `; ${shows(e)}`;
  const severity = firstPass ? 'information' : implicated ? 'error' : 'warning';

  // 0. The lr the run was at when it went non-finite, far below the setting: the setting had not acted yet.
  const reached = e && !firstPass ? lrReached(ctx, e, eff.lr) : undefined;
  if (reached && reached.lr < eff.lr / 10 && reached.lr <= clearlyLow(optimizerName, limit)) {
    return [diagnostic('information', `${setting.at.key} ${setting.at.text}${effText} had not been reached: ${reached.says}`, undefined, reached.related)];
  }
  // 1. Judged against the batch the recipe set it for (the linear scaling rule).
  const run = runBatch(ctx);
  const recipe = recipeBatch(ctx, setting.at, run);
  if (run && recipe) {
    const ratio = recipe.total / run.total;
    const where = [...recipe.at, ...run.at].map((v) => ({ file: v.file, line: v.range.start.line + 1, message: `${v.key || 'batch'} ${v.text}` }));
    if (ratio >= 2) {
      const target = setting.value / ratio;
      return [
        diagnostic(
          severity,
          `${setting.at.key} ${setting.at.text} is set for a total batch of ${recipe.how}, but this run steps with ${run.how}: ` +
            `the linear scaling rule gives ${formatLike(setting.at.text, target)} (${ratio.toFixed(ratio < 10 ? 1 : 0)}× smaller)${evidence}`,
          target,
          where,
        ),
      ];
    }
    if (!e || eff.lr > limit) return [];
    return [diagnostic('information', `${setting.at.key} ${setting.at.text} matches the batch it was set for (${recipe.how}; this run: ${run.how}): it is not what made ${whatWentNonFinite(e)} (cleared)`, undefined, where)];
  }
  // 2. Without a recipe: a widely used reference for the optimizer and task, scaled to the run's batch.
  const family = optimizerName ? familyReference(ctx, optimizerName) : undefined;
  // A config that keeps the reference's own lr (mmdetection's 0.02) was set for the reference's batch, as a recipe would say.
  // Without the run's device count, the reference's own devices (8 GPUs) give the largest batch the run can have had.
  const per = ctx.hp.batch_size;
  const atMost = !run && family?.devices && per && !ctx.hp.num_processes ? { total: family.devices * per.value, how: `at most ${family.devices * per.value} (${family.devices} GPUs × ${per.at.key} ${per.at.text})`, at: [per.at] } : undefined;
  const kept = family && setting.value === family.lr && eff.factor === 1 ? (run ?? atMost) : undefined;
  if (family && kept && family.batch / kept.total >= 2) {
    const expected = (family.lr * kept.total) / family.batch;
    return [
      diagnostic(
        severity,
        `${setting.at.key} ${setting.at.text} keeps the lr of ${family.name}, but this run steps with ${kept.how}: ` +
          `the linear scaling rule gives ${formatLike(setting.at.text, expected)} (${(family.batch / kept.total).toFixed(1)}× smaller)${evidence}`,
        expected,
        kept.at.map((v) => ({ file: v.file, line: v.range.start.line + 1, message: `${v.key} ${v.text}` })),
      ),
    ];
  }
  if (run && family) {
    const expected = (family.lr * run.total) / family.batch;
    if (eff.lr > 4 * expected) {
      return [
        diagnostic(
          severity,
          `${setting.at.key} ${setting.at.text}${effText} is ${Math.round(eff.lr / expected)}× what ${family.name} give for this run's batch of ${run.how} (${formatLike(setting.at.text, expected)})${evidence}`,
          expected,
          run.at.map((v) => ({ file: v.file, line: v.range.start.line + 1, message: `${v.key} ${v.text}` })),
        ),
      ];
    }
  }
  // 3. High for the optimizer whatever the batch.
  if (eff.lr > limit) {
    const target = setting.value / 10;
    const scaleFix = eff.factor !== 1 && ctx.hp.scale_lr ? [fix('Turn scale_lr off', replaceValue(ctx.hp.scale_lr.at, falseLike(ctx.hp.scale_lr.at.text)))] : [];
    const d = diagnostic(severity, `${setting.at.key} ${setting.at.text}${effText} is high for ${optimizer} (above ${formatLike('1e-3', limit)})${evidence}`, target);
    d.fixes.push(...scaleFix);
    return [d];
  }
  if (!e) return [];
  // 4. Not high: cleared only when the evidence rules it out, otherwise left unjudged.
  const low = clearlyLow(optimizerName, limit);
  if (firstPass || eff.lr <= low) {
    const why = firstPass ? firstPassClears(e, 'the learning rate') : `it is not what made ${whatWentNonFinite(e)} (cleared)`;
    return [diagnostic('information', `${setting.at.key} ${setting.at.text}${effText} is not high for ${optimizer} (high is above ${formatLike('1e-3', limit)}${ctx.hp.scale_lr ? `, and ${settingRef(ctx.hp.scale_lr)}` : ''}): ${why}`)];
  }
  return [
    diagnostic(
      'hint',
      `${setting.at.key} ${setting.at.text}${effText} is not judged: it is not high for ${optimizer} in itself, but the batch it was tuned for is not known (the linear scaling rule would scale it with the batch this run uses)`,
    ),
  ];
}
