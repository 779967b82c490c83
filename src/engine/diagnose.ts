// The whole analysis: runs + located files → diagnostics on the lines behind the first non-finite value.
import type { LocatedFile, NanDiagnostic, RunScan } from './types';
import { rules } from './rules/index';
import { readHyperparameters } from './rules/hyperparameters';
import type { RuleContext } from './rules/types';

/** Pure: the language server calls it with in-memory documents. Files with an error are skipped. */
export function analyze(runs: RunScan[], files: LocatedFile[]): NanDiagnostic[] {
  const usable = files.filter((f) => !f.error);
  const ctx: RuleContext = { runs, files: usable, hp: readHyperparameters(usable), facts: usable.flatMap((f) => f.facts) };
  return rules.flatMap((rule) => rule.check(ctx));
}
