// `nan-doctor scan [--format F] LOG...`: the first non-finite value of each run (contract.md).
import { isAbsolute, resolve } from 'node:path';
import type { RunScan, ScanResult } from '../engine/types';
import { ScanError, scanFile } from '../engine/output/scan';
import { UsageError, type CliIO } from './io';
import { exitStatus, outputFormats, render, type OutputFormat } from './output';

export const scanHelp = `usage: nan-doctor scan [--format text|json|sarif] [--thorough] LOG...

Reads training output (text logs, metrics.csv, trainer_state.json, JSON lines, TensorBoard
event files, MLflow metric files) and reports the first non-finite value of each run.
  --format F      text (default), json or sarif
  --thorough      read every line through the full analyzer (slower on big logs)
Standard input is not read: save the output first (python train.py 2>&1 | tee train.log).`;

interface ScanArgs {
  format: OutputFormat;
  logs: string[];
  thorough: boolean;
  help: boolean;
}

function parseArgs(args: string[]): ScanArgs {
  const parsed: ScanArgs = { format: 'text', logs: [], thorough: false, help: false };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--format' || arg.startsWith('--format=')) {
      const value = arg === '--format' ? args[++i] : arg.slice('--format='.length);
      if (!value) throw new UsageError('--format needs a value: text, json or sarif');
      if (!outputFormats.includes(value as OutputFormat)) throw new UsageError(`unknown format '${value}' (use text, json or sarif)`);
      parsed.format = value as OutputFormat;
    } else if (arg === '--help' || arg === '-h') {
      parsed.help = true;
    } else if (arg === '--thorough') {
      parsed.thorough = true;
    } else if (arg === '--') {
      parsed.logs.push(...args.slice(i + 1));
      break;
    } else if (arg.startsWith('-') && arg !== '-') {
      throw new UsageError(`unknown option '${arg}'`);
    } else {
      parsed.logs.push(arg);
    }
  }
  if (parsed.help) return parsed;
  if (parsed.logs.includes('-')) throw new UsageError('-: reading a log from standard input is not supported; save the output to a file first (python train.py 2>&1 | tee train.log)');
  if (parsed.logs.length === 0) throw new UsageError('no log file given (usage: nan-doctor scan [--format text|json|sarif] LOG...)');
  return parsed;
}

export async function scanCommand(args: string[], io: CliIO): Promise<number> {
  const { format, logs, thorough, help } = parseArgs(args);
  if (help) {
    io.stdout(scanHelp + '\n');
    return 0;
  }
  const runs: RunScan[] = [];
  const failures: string[] = [];
  for (const log of logs) {
    const path = isAbsolute(log) ? log : resolve(io.cwd, log);
    try {
      runs.push(await scanFile(path, { displayName: log, thorough }));
    } catch (e) {
      if (!(e instanceof ScanError)) throw e;
      failures.push(`${e.file}: ${e.reason}`);
    }
  }
  const result: ScanResult = { version: 1, runs };
  if (runs.length > 0) io.stdout(render(result, format));
  if (failures.length === 0) return exitStatus(result);
  // Unreadable input wins: exit 2, each file named with its reason, the readable ones still reported above.
  if (failures.length === 1) throw new UsageError(failures[0]);
  for (const f of failures.slice(0, -1)) io.stderr(`nan-doctor scan: ${f}\n`);
  throw new UsageError(failures[failures.length - 1]);
}
