// A learning rate that is high for its optimizer and task (scale_lr multiplies it by the batch).
import type { NanDiagnostic } from '../types';
import { afterAnUpdate, atFirstStep, firstEvidence, firstPassClears, relatedIncident, shows, whatWentNonFinite } from './evidence';
import { settingRef } from './weights';
import { fix, formatLike, replaceValue } from './edits';
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
  return fineTune ? 5e-4 : 3e-3; // Adam family
}

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

/** `--scale_lr` (a flag) is removed; `True` / `true` become `False` / `false`. */
function falseLike(text: string): string {
  if (text.startsWith('-')) return '';
  return /^[A-Z]/.test(text) ? 'False' : 'false';
}

export const learningRate: Rule = {
  code: 'learning-rate',
  check(ctx) {
    const setting = ctx.hp.learning_rate;
    const eff = effectiveLearningRate(ctx);
    if (!setting || !eff) return [];
    const e = firstEvidence(ctx.runs);
    const optimizer = ctx.hp.optimizer?.value ?? 'an Adam-type optimizer';
    const limit = highLearningRate(ctx.hp.optimizer?.value, fineTuning(ctx));
    const effText = eff.factor === 1 ? '' : ` (effective ${eff.lr.toExponential(1)} = ${setting.at.text}${eff.how})`;
    const related: NanDiagnostic['related'] = e ? [relatedIncident(e)] : [];
    if (eff.lr <= limit) {
      if (!e) return [];
      return [
        {
          file: setting.at.file,
          range: setting.at.range,
          severity: 'information',
          code: 'learning-rate',
          message: `${setting.at.key} ${setting.at.text}${effText} is not high for ${optimizer} (high is above ${formatLike('1e-3', limit)}${ctx.hp.scale_lr ? `, and ${settingRef(ctx.hp.scale_lr)}` : ''}): it is not what made ${whatWentNonFinite(e)} (cleared)`,
          related,
          fixes: [],
          verified: false,
        },
      ];
    }
    const target = setting.value / 10;
    const implicated = !!e && afterAnUpdate(e);
    // a NaN in the first forward pass came before the learning rate was ever applied
    const cleared = !!e && atFirstStep(e);
    const evidence = !e ? '' : cleared ? `, but ${firstPassClears(e, 'the learning rate')}` : `; ${shows(e)}`;
    const scaleFix = eff.factor !== 1 && ctx.hp.scale_lr ? [fix('Turn scale_lr off', replaceValue(ctx.hp.scale_lr.at, falseLike(ctx.hp.scale_lr.at.text)))] : [];
    return [
      {
        file: setting.at.file,
        range: setting.at.range,
        severity: cleared ? 'information' : implicated ? 'error' : 'warning',
        code: 'learning-rate',
        message: `${setting.at.key} ${setting.at.text}${effText} is high for ${optimizer} (above ${formatLike('1e-3', limit)})${evidence}`,
        related,
        fixes: [fix(`Set ${setting.at.key} to ${formatLike(setting.at.text, target)}`, replaceValue(setting.at, formatLike(setting.at.text, target))), ...scaleFix],
        verified: false,
        change: { learning_rate: target },
      },
    ];
  },
};
