// Which branches of the scripts a run took: a script line's config condition checked against the
// config values the run used (command line, then config files, then the script's own defaults).
import type { BranchCondition, LocatedFile } from '../types';

/** A config value by the key a script reads it with (`args.model_name_or_path` → `model_name_or_path`); undefined when unknown. */
export type ConfigLookup = (key: string) => unknown;

/**
 * Which source's value a run took, lowest first: what the run itself shows (its command line, its log), config files,
 * a launch script that calls the training script (`launcher`), Python, argparse defaults, what a log only reports.
 * The config lookup here and the hyperparameter reader both rank by it.
 */
export const SOURCE_RANK: Record<string, number> = { log: 0, command: 0, shell: 0, yaml: 1, json: 1, toml: 1, ini: 1, launcher: 1.5, python: 2, 'python-default': 3, 'log-report': 4 };

/** `--model-name-or-path`, `model_name_or_path`, `Model_Name_Or_Path` are one key. */
function normalizeKey(keyPath: string): string {
  return keyPath
    .split('.')
    .map((s) => s.replace(/^-+/, '').replace(/-/g, '_').toLowerCase())
    .join('.');
}

/** The config values of these files, for checking conditions. Values that are themselves conditional are not used. */
export function configLookup(files: LocatedFile[]): ConfigLookup {
  const best = new Map<string, { value: unknown; rank: number }>();
  const offer = (keyPath: string, value: unknown, rank: number) => {
    const key = normalizeKey(keyPath);
    const had = best.get(key);
    if (!had || rank < had.rank) best.set(key, { value, rank });
  };
  for (const f of files) {
    // (an argparse default of None sets nothing: the value comes from elsewhere, an accelerate config the log reports)
    for (const v of f.values) if (!v.when && !(v.value === null && (v.source === 'python-default' || v.option))) offer(v.keyPath, v.value, SOURCE_RANK[v.source] ?? 1);
    // `action="store_true"` with no default: off unless the command line gives it
    for (const fact of f.facts) if (fact.kind === 'cli-flag' && typeof fact.detail?.dest === 'string') offer(fact.detail.dest, fact.detail.default, 4);
  }
  return (key) => {
    const k = normalizeKey(key);
    const exact = best.get(k);
    if (exact) return exact.value;
    // `cfg.solver.use_8bit_adam` read as `use_8bit_adam` on a command line, or the other way round
    let found: { value: unknown; rank: number } | undefined;
    for (const [path, v] of best) {
      if ((path.endsWith(`.${k}`) || k.endsWith(`.${path}`)) && (!found || v.rank < found.rank)) found = v;
    }
    return found?.value;
  };
}

/** Python's truth value of a config value; undefined when the value is unknown. */
function truthy(v: unknown): boolean | undefined {
  if (v === undefined) return undefined;
  // a command line's `--flag False` means off, whatever Python's argparse makes of the string
  if (typeof v === 'string') return !/^(|false|0)$/i.test(v.trim());
  return !!v;
}

function equal(v: unknown, expected: string | number | boolean | null): boolean | undefined {
  if (v === undefined) return undefined;
  if (expected === null) return v === null || (typeof v === 'string' && /^(none|null)$/i.test(v));
  if (typeof expected === 'boolean') return truthy(v) === expected && (typeof v === 'boolean' || /^(true|false)$/i.test(String(v)));
  if (typeof expected === 'number') return Number(v) === expected;
  return String(v) === expected;
}

/** Whether the condition holds for these config values: true, false, or undefined when it cannot be told. */
export function holds(c: BranchCondition | undefined, lookup: ConfigLookup): boolean | undefined {
  if (!c) return true;
  switch (c.op) {
    case 'unknown':
      return undefined;
    case 'truthy':
      return truthy(lookup(c.key));
    case 'eq':
      return equal(lookup(c.key), c.value);
    case 'contains': {
      const v = lookup(c.key);
      return v === undefined || v === null ? undefined : String(v).includes(c.value);
    }
    case 'not': {
      const r = holds(c.arg, lookup);
      return r === undefined ? undefined : !r;
    }
    case 'and': {
      const rs = c.args.map((a) => holds(a, lookup));
      return rs.includes(false) ? false : rs.includes(undefined) ? undefined : true;
    }
    case 'or': {
      const rs = c.args.map((a) => holds(a, lookup));
      return rs.includes(true) ? true : rs.includes(undefined) ? undefined : false;
    }
  }
}

/** A value or fact whose condition the run's config rules out (set in a branch the run did not take). */
export function ruledOut(item: { when?: BranchCondition }, lookup: ConfigLookup): boolean {
  return holds(item.when, lookup) === false;
}
