// `nan-doctor diagnose [DIR] [--log FILE]... [--config FILE]... [--probe] [--model M] [--format F]` (contract.md).
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import type { DiagnoseResult, LocatedFile, NanDiagnostic, RunScan } from '../engine/types';
import { diagnoseWithFiles } from '../engine/diagnose';
import { isLogPath } from '../engine/discovery';
import { UsageError, type CliIO } from './io';
import { exitStatus, fileInCell, incidentMessage, outputFormats, render, type OutputFormat } from './output';

export const diagnoseHelp = `usage: nan-doctor diagnose [DIR] [--log FILE]... [--config FILE]... [--probe] [--model M] [--format text|json|sarif]

Finds the logs, configs and training scripts under DIR (default .), or uses the ones named,
and puts diagnostics on the config and script lines behind the first non-finite value.
  --log FILE      a training log to read instead of discovering them (repeatable)
  --config FILE   a config or training script the run used (repeatable)
  --probe         re-run the first iterations in TensorFlow.js to verify the fixes
  --model M       the model the probe re-runs (default: nan-doctor.json's probe.model)
  --format F      text (default), json or sarif`;

interface DiagnoseArgs {
  dir: string;
  logs: string[];
  configs: string[];
  probe: boolean;
  model?: string;
  format: OutputFormat;
  help: boolean;
}

function optionValue(args: string[], i: number, name: string): [string, number] {
  const arg = args[i];
  if (arg.startsWith(`${name}=`)) return [arg.slice(name.length + 1), i];
  const value = args[i + 1];
  if (value === undefined || (value.startsWith('-') && value !== '-')) throw new UsageError(`${name} needs a value`);
  return [value, i + 1];
}

export function parseDiagnoseArgs(args: string[]): DiagnoseArgs {
  const parsed: DiagnoseArgs = { dir: '.', logs: [], configs: [], probe: false, format: 'text', help: false };
  let dirSeen = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const is = (name: string) => arg === name || arg.startsWith(`${name}=`);
    if (arg === '--help' || arg === '-h') parsed.help = true;
    else if (arg === '--probe') parsed.probe = true;
    else if (is('--log')) [parsed.logs[parsed.logs.length], i] = optionValue(args, i, '--log');
    else if (is('--config')) [parsed.configs[parsed.configs.length], i] = optionValue(args, i, '--config');
    else if (is('--model')) [parsed.model, i] = optionValue(args, i, '--model');
    else if (is('--format')) {
      let value: string;
      [value, i] = optionValue(args, i, '--format');
      if (!outputFormats.includes(value as OutputFormat)) throw new UsageError(`unknown format '${value}' (use text, json or sarif)`);
      parsed.format = value as OutputFormat;
    } else if (arg.startsWith('-')) throw new UsageError(`unknown option '${arg}'`);
    else if (dirSeen) throw new UsageError(`one directory at most (got '${parsed.dir}' and '${arg}'); name logs with --log`);
    else {
      parsed.dir = arg;
      dirSeen = true;
    }
  }
  if (parsed.model && !parsed.probe) throw new UsageError('--model is for --probe');
  return parsed;
}

/** Named files must be readable: a typo is a usage error, not an empty diagnosis. */
async function checkNamed(root: string, files: string[], what: string): Promise<void> {
  for (const f of files) {
    const path = isAbsolute(f) ? f : resolve(root, f);
    const info = await stat(path).catch((e: NodeJS.ErrnoException) => e);
    if (info instanceof Error) throw new UsageError(`${f}: ${unreadable(info, what, root)}`);
    if (info.isDirectory()) throw new UsageError(`${f}: is a directory, not a ${what}`);
    await access(path, constants.R_OK).catch((e: NodeJS.ErrnoException) => {
      throw new UsageError(`${f}: ${unreadable(e, what, root)}`);
    });
  }
}

/** Why a named file cannot be read, in words (ENOENT, EACCES, ELOOP …). */
function unreadable(e: NodeJS.ErrnoException, what: string, root: string): string {
  switch (e.code) {
    case 'ENOENT':
      return `no such ${what} (paths are relative to the directory, ${root})`;
    case 'EACCES':
    case 'EPERM':
      return `permission denied, cannot read this ${what}`;
    case 'ELOOP':
      return `symbolic link loop, the ${what} cannot be reached`;
    case 'ENOTDIR':
      return `a part of this path is not a directory, no such ${what}`;
    case 'ENAMETOOLONG':
      return `the path is too long`;
    default:
      return `cannot read this ${what} (${e.code ?? e.message})`;
  }
}

/** Whether a reported file is one the user named (those make the command fail; found ones are notes). */
function namedBy(root: string, named: string[]): (file: string) => boolean {
  const paths = new Set(named.map((f) => resolve(root, f)));
  return (file) => paths.has(resolve(root, file));
}

export async function diagnoseCommand(args: string[], io: CliIO): Promise<number> {
  const opts = parseDiagnoseArgs(args);
  if (opts.help) {
    io.stdout(diagnoseHelp + '\n');
    return 0;
  }
  const root = resolve(io.cwd, opts.dir);
  const info = await stat(root).catch(() => null);
  if (!info || !info.isDirectory()) throw new UsageError(`${opts.dir}: ${info ? 'not a directory' : 'no such directory'}`);
  await checkNamed(root, opts.logs, 'log file');
  await checkNamed(root, opts.configs, 'config file');

  const diagnosed = await diagnoseWithFiles({ root, logs: opts.logs, configs: opts.configs });
  let result = diagnosed.result;
  if (opts.probe) result = await runProbe(result, root, opts.model, diagnosed.files, io);

  // a file the user named that cannot be read fails the command; one discovery found is a note
  const named = namedBy(root, [...opts.logs, ...opts.configs]);
  io.stdout(opts.format === 'text' ? renderForPeople(result, opts.dir, named) : render(result, opts.format));
  const failed = (result.errors ?? []).filter((e) => named(e.file));
  for (const e of failed) io.stderr(`nan-doctor diagnose: ${e.file}: ${e.message}\n`);
  return failed.length ? 2 : exitStatus(result);
}

async function runProbe(result: DiagnoseResult, root: string, model: string | undefined, files: LocatedFile[], io: CliIO): Promise<DiagnoseResult> {
  if (!result.runs.some((r) => r.incident)) return result;
  // loaded lazily: the rest of the CLI never pays for TensorFlow.js
  const { verifyDiagnostics } = await import('../probe/verify/verify.ts');
  let last = '';
  return verifyDiagnostics(result, {
    root,
    model,
    files,
    // The user ran this command in their own shell: a JS-module model is their code, as with `nan-doctor probe`.
    allowCode: true,
    onProgress: (message: string, percent?: number) => {
      const line = `probe: ${message}${percent === undefined ? '' : ` (${Math.round(percent)}%)`}`;
      if (line !== last) io.stderr(line + '\n');
      last = line;
    },
  });
}

// ---- text for a person: what happened, what to change (in order), what was ruled out ----

const MAX_NOTES = 3;
const where = (d: NanDiagnostic) => `${fileInCell(d.file, d.cell)}:${d.range.start.line + 1}:${d.range.start.character + 1}`;

function diagnosticLines(d: NanDiagnostic): string[] {
  const out = [`${where(d)}: ${d.severity}: ${d.message} [${d.code}]${d.verified ? ` (verified by the probe${d.verifiedBy === 'stand-in' ? ' on a stand-in model' : ''})` : ''}`];
  // the full list is in JSON/SARIF and the editor; a person reads the first few
  for (const r of d.related.slice(0, MAX_NOTES)) out.push(`    ${fileInCell(r.file, r.cell)}:${r.line}: note: ${r.message}`);
  if (d.related.length > MAX_NOTES) out.push(`    (${d.related.length - MAX_NOTES} more notes in --format json)`);
  for (const f of d.fixes) out.push(`    fix: ${f.title}`);
  return out;
}

function runLine(run: RunScan): string {
  if (!run.incident) return `${run.log}: no non-finite value${run.steps ? ` (steps ${run.steps.first}-${run.steps.last})` : ''}`;
  return `${fileInCell(run.log, run.incident.cell)}:${run.incident.line}: ${incidentMessage(run.incident)}`;
}

export function renderForPeople(result: DiagnoseResult, dir: string, named: (file: string) => boolean = () => true): string {
  const out: string[] = [];
  const runs = result.runs;
  const nonFinite = runs.filter((r) => r.incident);
  const unreadLogs = (result.errors ?? []).some((e) => !named(e.file) && isLogPath(e.file));
  out.push(
    runs.length === 0
      ? `NaN Doctor: no ${unreadLogs ? 'readable ' : ''}training output found in ${dir} (name one with --log FILE)`
      : `NaN Doctor: ${runs.length} run${runs.length === 1 ? '' : 's'} read, ${nonFinite.length ? `${nonFinite.length} went non-finite` : 'all finite'}`,
  );
  const shown = new Set(result.diagnostics.filter((d) => d.code === 'first-nonfinite').map((d) => d.file));
  for (const run of runs) if (!shown.has(run.log)) out.push(`  ${runLine(run)}`);

  const causes = result.diagnostics.filter((d) => d.code !== 'first-nonfinite' && (d.severity === 'error' || d.severity === 'warning'));
  const cleared = result.diagnostics.filter((d) => d.code !== 'first-nonfinite' && (d.severity === 'information' || d.severity === 'hint'));
  const logLines = result.diagnostics.filter((d) => d.code === 'first-nonfinite');
  if (logLines.length) {
    out.push('', 'Where it went non-finite:');
    for (const d of logLines) out.push(...diagnosticLines(d).map((l) => `  ${l}`));
  }
  if (causes.length) {
    out.push('', nonFinite.length ? 'Likely causes, most certain first:' : 'Risky settings:');
    for (const d of causes) out.push(...diagnosticLines(d).map((l) => `  ${l}`));
  } else if (nonFinite.length) {
    out.push('', 'No config or script setting explains it; name the config with --config FILE if discovery missed it.');
  }
  if (cleared.length) {
    out.push('', 'Checked and ruled out:');
    for (const d of cleared) out.push(...diagnosticLines(d).map((l) => `  ${l}`));
  }
  const errors = result.errors ?? [];
  if (errors.some((e) => named(e.file))) {
    out.push('', 'Could not read:');
    for (const e of errors.filter((x) => named(x.file))) out.push(`  ${e.file}: error: ${e.message}`);
  }
  if (errors.some((e) => !named(e.file))) {
    out.push('', 'Skipped (found, but could not be read):');
    for (const e of errors.filter((x) => !named(x.file))) out.push(`  ${e.file}: note: ${e.message}`);
  }
  if (result.probe) {
    const p = result.probe;
    const first = p.firstNonFinite ? `first non-finite at iteration ${p.firstNonFinite.iteration}, ${p.firstNonFinite.layer} (${p.firstNonFinite.phase})` : 'the re-run stayed finite';
    const model = p.standIn ? `stand-in model ${p.model ?? ''}`.trim() : (p.model ?? 'your model');
    out.push('', `Probe (${model}, ${p.backend}, ${p.iterations} iterations): ${first}`);
    if (p.standIn) out.push('  A stand-in of the task\'s family verifies optimizer and precision causes only: give the probe your model (--model step.onnx) for the rest.');
    for (const c of p.counterfactuals) out.push(`  ${JSON.stringify(c.change)}: ${c.finite === null ? `not testable on this model: ${c.untestable ?? 'no reason given'}` : c.finite ? 'finite — fixes it' : 'still non-finite'}`);
  } else if (nonFinite.length && causes.some((d) => d.change)) {
    out.push('', `To verify the fixes, re-run the first iterations: nan-doctor diagnose ${dir} --probe`);
  }
  return out.join('\n') + '\n';
}
