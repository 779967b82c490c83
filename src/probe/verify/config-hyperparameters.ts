// The probe's hyperparameters from the user's config files, read by the same locators and names as the diagnostics.
import { isAbsolute, relative, resolve } from 'node:path';
import type { LocatedFile, LocatedValue } from '../../engine/types';
import { locateFile } from '../../engine/config/index';
import { readHyperparameters } from '../../engine/hyperparameters/read';

export interface ConfigHyperparameters {
  /** Canonical name → value, as the replay takes them. */
  values: Record<string, unknown>;
  /** Canonical name → where the user set it. */
  where: Record<string, LocatedValue>;
  /** Files that could not be read or parsed, with the reason. */
  errors: { file: string; message: string }[];
}

/** Reads the files (paths relative to `root` or absolute) with the config locators; unreadable files are reported, not thrown. */
export async function readConfigFiles(paths: string[], root: string): Promise<{ files: LocatedFile[]; errors: { file: string; message: string }[] }> {
  const files: LocatedFile[] = [];
  const errors: { file: string; message: string }[] = [];
  for (const p of paths) {
    const abs = isAbsolute(p) ? p : resolve(root, p);
    const display = isAbsolute(p) ? relative(root, p) || p : p;
    // An error names the path as the user typed it (relative to a far-away cwd it would read ../../…).
    const typed = (message: string): string => (message.startsWith(display) ? p + message.slice(display.length) : message);
    try {
      const located = await locateFile(abs, display);
      if (located.error) errors.push({ file: p, message: typed(located.error) });
      else files.push(located);
    } catch (err) {
      errors.push({ file: p, message: typed(err instanceof Error ? err.message : String(err)) });
    }
  }
  return { files, errors };
}

/** Canonical hyperparameters from located files; a script that validates right after step 1 makes `validation: 'after-step-1'`. */
export function hyperparametersOf(files: LocatedFile[]): Omit<ConfigHyperparameters, 'errors'> {
  const hp = readHyperparameters(files);
  const values: Record<string, unknown> = {};
  const where: Record<string, LocatedValue> = {};
  for (const [name, setting] of Object.entries(hp)) {
    if (name === 'all' || !setting || !('at' in setting)) continue;
    values[name] = setting.value;
    where[name] = setting.at;
  }
  // The replay runs only a few iterations: a hard-coded step-1 validation is the one that matters there.
  const trigger = files
    .flatMap((f) => f.facts)
    .find((fact) => fact.kind === 'validation-trigger' && Array.isArray(fact.detail?.hardcodedSteps) && (fact.detail.hardcodedSteps as unknown[]).includes(1));
  if (trigger) {
    values.validation = 'after-step-1';
    // Where it is set is the script's condition, which has no key of its own.
    where.validation = { file: trigger.file, keyPath: '', key: '', value: 'after-step-1', text: trigger.text, range: trigger.range, source: 'python' };
  }
  else if (values.validation !== undefined && !(Number.isInteger(values.validation) && (values.validation as number) > 0)) delete values.validation;
  return { values, where };
}

/**
 * Where a change's setting is written: the user's key path and a 1-based line. Of the settings it
 * changes, the one on `near` (a diagnostic's file and 0-based line) wins, else the first located.
 */
export function locationOf(
  change: Record<string, unknown>,
  where: Record<string, LocatedValue>,
  near?: { file: string; line: number },
): { key?: string; file: string; line: number } | undefined {
  const located = Object.keys(change).map((k) => where[k]).filter((v) => v !== undefined);
  const at = located.find((v) => near && v.file === near.file && v.range.start.line === near.line) ?? located[0];
  if (!at) return undefined;
  return { ...(at.keyPath && { key: at.keyPath }), file: at.file, line: at.range.start.line + 1 };
}
