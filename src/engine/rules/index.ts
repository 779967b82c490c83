// Every NaN cause NaN Doctor knows, one rule per file.
import type { Rule } from './types';
import { firstNonFinite } from './first-nonfinite';

export const rules: Rule[] = [firstNonFinite];

export { readHyperparameters, hyperparameterValues } from './hyperparameters';
export type { Rule, RuleContext, Hyperparameters, Setting } from './types';
