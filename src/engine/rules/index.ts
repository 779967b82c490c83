// Every NaN cause NaN Doctor knows, one rule per file, most specific evidence first.
import type { Rule } from './types';
import { firstNonFinite } from './first-nonfinite';
import { optimizerEpsilon } from './optimizer-epsilon';
import { precision } from './precision';
import { validationFrequency } from './validation-frequency';
import { validationIsolation } from './validation-isolation';
import { lossScale } from './loss-scale';
import { learningRate } from './learning-rate';
import { optimizerChoice } from './optimizer-choice';
import { warmup } from './warmup';
import { gradientClipping } from './gradient-clipping';
import { data } from './data';
import { initialization } from './initialization';
import { lossFunction } from './loss-function';
import { lossHazard } from './loss-hazard';

export const rules: Rule[] = [
  firstNonFinite,
  optimizerEpsilon,
  precision,
  validationFrequency,
  validationIsolation,
  lossScale,
  learningRate,
  optimizerChoice,
  warmup,
  gradientClipping,
  data,
  initialization,
  lossFunction,
  lossHazard,
];

export { readHyperparameters, hyperparameterValues } from '../hyperparameters/read';
export type { Rule, RuleContext, Hyperparameters, Setting } from './types';
