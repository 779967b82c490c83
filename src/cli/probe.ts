// nan-doctor probe: re-run the first iterations with per-layer probes and the counterfactual sweep (contract.md).
import { constants } from 'node:fs';
import { access, stat, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { ProbeReport } from '../engine/types';
import { UsageError, type CliIO } from './io';
import { resolveSettings, type ProbeSpec } from '../probe/spec';
import { isProbeSettingName, unknownSettingMessage } from '../probe/setting-names';
import { launchProbe, ProbeError } from '../probe/worker/client';
import { runSweep } from '../probe/verify/sweep';
import { hyperparametersOf, locationOf, readConfigFiles } from '../probe/verify/config-hyperparameters';
import { resolveData, resolveModel } from '../probe/verify/verify';
import { renderReportHtml } from '../probe/report/html';

export const probeHelp = `usage: nan-doctor probe --model M [options]

Re-runs the first N training iterations of model M in TensorFlow.js with a probe on every
layer and phase, names the first non-finite value and its origin, and re-runs with the usual
fixes (the counterfactual sweep).

  --model M           builtin:NAME (e.g. builtin:imageproj, builtin:standin-transformer), a
                      TensorFlow.js model.json, a Keras model JSON, an ONNX training step (.onnx:
                      torch.onnx.export in training mode of a module whose forward returns the loss),
                      or a JS module exporting createModel(). The CLI runs in a trusted shell, so a
                      JS module model is allowed to run here.
  --config FILE       a config or training script to read hyperparameters from (repeatable)
  --data FILE         inputs: .npz (one array per ONNX graph input, by name; x and y otherwise),
                      .npy, JSON, or synthetic:SHAPE[@SCALE]
  --iterations N      iterations to re-run (default 5)
  --set KEY=VALUE     override a canonical hyperparameter (repeatable), e.g. --set adam_epsilon=1e-6
  --backend B         tensorflow | wasm | cpu (default: the first that loads)
  --format F          json (default) | html
  --out FILE          write the report to FILE instead of stdout
  --no-sweep          only the base run, no counterfactual re-runs

exit status: 0 the run stayed finite, 1 a non-finite value was found, 2 usage error or unreadable input`;

interface ProbeArgs {
  model?: string;
  configs: string[];
  data?: string;
  iterations?: number;
  sets: Record<string, unknown>;
  backend?: 'tensorflow' | 'wasm' | 'cpu';
  format: 'json' | 'html';
  out?: string;
  sweep: boolean;
  help: boolean;
}

/** `--set` values: numbers, booleans and null become those; anything else stays a string. */
export function parseSetValue(text: string): unknown {
  const t = text.trim();
  if (t === 'true' || t === 'True') return true;
  if (t === 'false' || t === 'False') return false;
  if (t === 'null' || t === 'None') return null;
  if (t !== '' && /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$|^[-+]?(inf|Infinity)$/i.test(t)) {
    return /inf/i.test(t) ? (t.startsWith('-') ? -Infinity : Infinity) : Number(t);
  }
  return t.replace(/^(["'])(.*)\1$/, '$2');
}

export function parseProbeArgs(args: string[]): ProbeArgs {
  const out: ProbeArgs = { configs: [], sets: {}, format: 'json', sweep: true, help: false };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    const value = (): string => {
      if (eq > 0) return arg.slice(eq + 1);
      const v = args[++i];
      if (v === undefined) throw new UsageError(`${name} needs a value`);
      return v;
    };
    switch (name) {
      case '--model': out.model = value(); break;
      case '--config': out.configs.push(value()); break;
      case '--data': out.data = value(); break;
      case '--iterations': {
        const v = value();
        const n = Number(v);
        if (!Number.isInteger(n) || n < 1 || n > 1000) throw new UsageError(`--iterations must be a whole number from 1 to 1000 (got '${v}')`);
        out.iterations = n;
        break;
      }
      case '--set': {
        const v = value();
        const at = v.indexOf('=');
        if (at <= 0) throw new UsageError(`--set needs KEY=VALUE (got '${v}')`);
        const key = v.slice(0, at).trim();
        if (!isProbeSettingName(key)) throw new UsageError(`--set ${key}: ${unknownSettingMessage(key)}`);
        out.sets[key] = parseSetValue(v.slice(at + 1));
        break;
      }
      case '--backend': {
        const v = value();
        if (v !== 'tensorflow' && v !== 'wasm' && v !== 'cpu') throw new UsageError(`--backend must be tensorflow, wasm or cpu (got '${v}')`);
        out.backend = v;
        break;
      }
      case '--format': {
        const v = value();
        if (v !== 'json' && v !== 'html') throw new UsageError(`--format must be json or html (got '${v}')`);
        out.format = v;
        break;
      }
      case '--out': out.out = value(); break;
      case '--no-sweep': out.sweep = false; break;
      case '--help': case '-h': out.help = true; break;
      default: throw new UsageError(arg.startsWith('-') ? `unknown option '${arg}'` : `unexpected argument '${arg}' (the model is given with --model)`);
    }
  }
  return out;
}

export async function probeCommand(args: string[], io: CliIO): Promise<number> {
  const a = parseProbeArgs(args);
  if (a.help) {
    io.stdout(probeHelp + '\n');
    return 0;
  }
  if (!a.model) throw new UsageError('--model is required (e.g. --model builtin:imageproj)');

  // Unreadable input is one line on stderr, before any worker starts.
  const { files, errors } = await readConfigFiles(a.configs, io.cwd);
  if (errors.length) throw new UsageError(errors[0].message.startsWith(errors[0].file) ? errors[0].message : `${errors[0].file}: ${errors[0].message}`);
  if (!a.model.startsWith('builtin:')) await checkReadable(a.model, io.cwd, 'model', false);
  if (a.data !== undefined && !a.data.startsWith('synthetic')) await checkReadable(a.data, io.cwd, 'data', true);
  const { values, where } = hyperparametersOf(files);
  const spec: ProbeSpec = {
    model: resolveModel(a.model, io.cwd),
    hyperparameters: { ...values, ...a.sets },
    ...(a.iterations !== undefined && { iterations: a.iterations }),
    ...(a.data !== undefined && { data: resolveData(a.data, io.cwd) }),
    ...(a.backend !== undefined && { backend: a.backend }),
    allowCode: true,
  };
  try {
    resolveSettings(spec.hyperparameters, spec.iterations ?? 5);
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }

  // Progress goes to stderr, so stdout stays the report.
  let last = '';
  const progress = (line: string): void => {
    if (line !== last) io.stderr(`probe: ${line}\n`);
    last = line;
  };
  let report: ProbeReport;
  const stopWorkers = new AbortController();
  const unwatch = killWorkersOnSignals(stopWorkers);
  try {
    if (a.sweep) {
      const sweep = await runSweep(spec, [], { signal: stopWorkers.signal, onProgress: (p) => progress(`${p.message} (${p.done}/${p.total})`) });
      report = { ...sweep.base, counterfactuals: sweep.counterfactuals };
    } else {
      report = await launchProbe(spec, { signal: stopWorkers.signal, onProgress: (p) => progress(p.message) });
    }
  } catch (err) {
    if (err instanceof ProbeError) throw new UsageError(probeFailure(err.message, a.model, spec.model, a.data, spec.data));
    throw err;
  } finally {
    unwatch();
  }
  // The report names the model as typed (the worker ran it by its full path).
  report.model = a.model;
  // Say where each changed setting is written in the user's config, when it is.
  report.counterfactuals = report.counterfactuals.map((c) => {
    if (c.key !== undefined) return c;
    const at = locationOf(c.change, where);
    return at ? { ...c, ...at } : c;
  });

  const text = a.format === 'html' ? renderReportHtml(report) : JSON.stringify(report, jsonSafe, 2) + '\n';
  if (a.out) {
    try {
      await writeFile(resolve(io.cwd, a.out), text);
    } catch (err) {
      throw new UsageError(`cannot write ${a.out}: ${err instanceof Error ? err.message : String(err)}`);
    }
  } else {
    io.stdout(text);
  }
  return report.firstNonFinite === null && report.origin === null ? 0 : 1;
}

/** The failure line names the file the user typed: the data file when the message is about it, else the model. */
function probeFailure(message: string, model: string, modelPath: string, data: string | undefined, dataPath: string | undefined): string {
  if (data !== undefined && dataPath !== undefined && message.includes(dataPath)) return message.split(dataPath).join(data);
  if (data !== undefined && message.includes(data)) return message;
  if (message.includes(modelPath)) return message.split(modelPath).join(model);
  return message.includes(model) ? message : `${model}: ${message}`;
}

/** A path that does not exist or cannot be read is a usage error naming the path as typed; `folder` allows a directory. */
async function checkReadable(path: string, cwd: string, what: string, folder: boolean): Promise<void> {
  const abs = resolve(cwd, path);
  try {
    const s = await stat(abs);
    if (s.isDirectory() && !folder) throw new UsageError(`${path}: the ${what} is a folder, not a file`);
    await access(abs, constants.R_OK);
  } catch (err) {
    if (err instanceof UsageError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw new UsageError(`${path}: cannot read the ${what} (${code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code ?? String(err)})`);
  }
}

const STOP_SIGNALS = ['SIGTERM', 'SIGINT', 'SIGHUP'] as const;
const SIGNAL_NUMBERS: Record<(typeof STOP_SIGNALS)[number], number> = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 };

/** On SIGTERM / SIGINT / SIGHUP the probe workers are killed before this process exits (128 + the signal's number). */
function killWorkersOnSignals(stop: AbortController): () => void {
  const handlers = STOP_SIGNALS.map((signal) => {
    const handler = (): void => {
      // Aborting kills every worker synchronously (SIGKILL) in the probe client.
      stop.abort();
      process.exit(128 + SIGNAL_NUMBERS[signal]);
    };
    process.on(signal, handler);
    return [signal, handler] as const;
  });
  return () => {
    for (const [signal, handler] of handlers) process.off(signal, handler);
  };
}

/** JSON has no NaN or Infinity: statistics that went non-finite are written as strings, the way the contract names values. */
function jsonSafe(_key: string, value: unknown): unknown {
  if (typeof value === 'number' && !Number.isFinite(value)) return Number.isNaN(value) ? 'nan' : value > 0 ? 'inf' : '-inf';
  return value;
}
