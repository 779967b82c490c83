// What a rule sees and what it returns: one rule per NaN cause.
import type { DiagnosticCode, LocatedFile, NanDiagnostic, RunScan, ScriptFact } from '../types';
import type { Hyperparameters } from '../hyperparameters/types';

export type { CanonicalName, Hyperparameters, Precision, Setting } from '../hyperparameters/types';

/** Everything a rule may read. Built once per analysis by diagnose.ts. */
export interface RuleContext {
  runs: RunScan[];
  files: LocatedFile[];
  hp: Hyperparameters;
  /** Every script fact of every file. */
  facts: ScriptFact[];
}

export interface Rule {
  code: DiagnosticCode;
  check(ctx: RuleContext): NanDiagnostic[];
}
