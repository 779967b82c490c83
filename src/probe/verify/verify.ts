// Verifies diagnostics by experiment: re-runs the first iterations with each diagnostic's fix and marks
// `verified` the ones that keep the run finite. Loaded lazily, only when a probe is asked for.
import { readFile } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import type { DiagnoseResult, LocatedFile, LocatedValue, NanDiagnostic } from '../../engine/types';
import { taskFamily } from '../../engine/task-family';
import { standInFor } from '../models/standin-names';
import type { ProbeSpec } from '../spec';
import { locateRunFiles } from '../../engine/diagnose';
import { hyperparametersOf, locationOf } from './config-hyperparameters';
import { changeId, defaultCandidates, isFinite, resolvedBase, runSweep, type CandidateChange } from './sweep';

export interface VerifyOptions {
  /** The workspace root: diagnostic files are relative to it, and its nan-doctor.json names the probe model. */
  root: string;
  /** Overrides nan-doctor.json's probe.model. */
  model?: string;
  /** Trusted workspace: a JS module model may run. */
  allowCode?: boolean;
  signal?: AbortSignal;
  onProgress?(message: string, percent?: number): void;
  iterations?: number;
  parallel?: number;
  timeoutMs?: number;
  /** Memory limit of each probe worker process. */
  memoryMb?: number;
  workerPath?: string;
  /** The located configs and scripts of the diagnosis, so the probe does not discover them again. */
  files?: LocatedFile[];
}

/** The `probe` section of a workspace's nan-doctor.json. */
export interface WorkspaceProbeSettings {
  model?: string;
  iterations?: number;
  data?: string;
  backend?: 'tensorflow' | 'wasm' | 'cpu';
  /** Hyperparameters to use over the config's (canonical names). */
  hyperparameters?: Record<string, unknown>;
}

export const WORKSPACE_SETTINGS_FILE = 'nan-doctor.json';

export async function readWorkspaceProbeSettings(root: string): Promise<WorkspaceProbeSettings> {
  const path = join(root, WORKSPACE_SETTINGS_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return {};
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new Error(`${WORKSPACE_SETTINGS_FILE}: not valid JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  const probe = (parsed as { probe?: unknown } | null)?.probe;
  if (probe === undefined) return {};
  if (typeof probe !== 'object' || probe === null) throw new Error(`${WORKSPACE_SETTINGS_FILE}: "probe" must be an object`);
  const p = probe as Record<string, unknown>;
  const out: WorkspaceProbeSettings = {};
  if (p.model !== undefined) out.model = expect(p.model, 'string', 'probe.model') as string;
  if (p.iterations !== undefined) out.iterations = expect(p.iterations, 'number', 'probe.iterations') as number;
  if (p.data !== undefined) out.data = expect(p.data, 'string', 'probe.data') as string;
  if (p.backend !== undefined) {
    if (p.backend !== 'tensorflow' && p.backend !== 'wasm' && p.backend !== 'cpu') throw new Error(`${WORKSPACE_SETTINGS_FILE}: probe.backend must be tensorflow, wasm or cpu`);
    out.backend = p.backend;
  }
  if (p.hyperparameters !== undefined) out.hyperparameters = expect(p.hyperparameters, 'object', 'probe.hyperparameters') as Record<string, unknown>;
  return out;
}

function expect(v: unknown, type: 'string' | 'number' | 'object', what: string): unknown {
  if (typeof v !== type || v === null) throw new Error(`${WORKSPACE_SETTINGS_FILE}: ${what} must be a ${type}`);
  return v;
}

/** A model path is relative to the workspace; builtin models are names. */
export function resolveModel(model: string, root: string): string {
  return model.startsWith('builtin:') || isAbsolute(model) ? model : resolve(root, model);
}

/** A data file is relative to the workspace; `synthetic:SHAPE[@SCALE]` is not a file. */
export function resolveData(data: string, root: string): string {
  return data.startsWith('synthetic:') || isAbsolute(data) ? data : resolve(root, data);
}

export async function verifyDiagnostics(result: DiagnoseResult, opts: VerifyOptions): Promise<DiagnoseResult> {
  const settings = await readWorkspaceProbeSettings(opts.root);
  // The files the diagnosis located (the configs and scripts the run used): read again only when not handed over.
  const files = opts.files ?? (await filesOfRun(result, opts.root));
  const given = opts.model ?? settings.model;
  // No model: a stand-in of the task's family re-runs the resolved optimizer and precision settings.
  const model = given ?? standInFor(taskFamily(files));
  const { values, where } = hyperparametersOf(files);
  const spec: ProbeSpec = {
    model: resolveModel(model, opts.root),
    hyperparameters: { ...values, ...settings.hyperparameters },
    iterations: opts.iterations ?? settings.iterations ?? 5,
    ...(settings.data !== undefined && { data: resolveData(settings.data, opts.root) }),
    ...(settings.backend !== undefined && { backend: settings.backend }),
    allowCode: opts.allowCode ?? false,
  };

  const candidates = [...candidatesOf(result.diagnostics, where), ...clearedCandidates(result.diagnostics, spec, where)];
  opts.onProgress?.(`probing ${model}: base run and ${candidates.length || 'the default'} candidate fix${candidates.length === 1 ? '' : 'es'}`, 0);
  const sweep = await runSweep(spec, candidates, {
    parallel: opts.parallel,
    signal: opts.signal,
    timeoutMs: opts.timeoutMs,
    memoryMb: opts.memoryMb,
    workerPath: opts.workerPath,
    onProgress: (p) => opts.onProgress?.(p.message, Math.round((100 * p.done) / p.total)),
  });

  const baseFinite = isFinite(sweep.base);
  // Only a run that was made and stayed finite verifies; an untestable change (finite: null) verifies nothing.
  const finiteChanges = new Set(sweep.counterfactuals.filter((c) => c.finite === true).map((c) => changeId(c.change)));
  const diagnostics = result.diagnostics.map((d): NanDiagnostic => {
    // A fix is verified only when the base run goes non-finite and the fixed run does not.
    const verified = !baseFinite && d.change !== undefined && finiteChanges.has(changeId(d.change));
    return verified ? { ...d, verified: true, verifiedBy: given ? 'model' : 'stand-in' } : d;
  });
  return { ...result, diagnostics, probe: { ...sweep.base, counterfactuals: sweep.counterfactuals, ...(!given && { standIn: true }) } };
}

/** The files the diagnostics point at, and the configs and scripts the run used (a script's step-1 validation, say). */
async function filesOfRun(result: DiagnoseResult, root: string): Promise<LocatedFile[]> {
  const onDiagnostics = result.diagnostics.filter((d) => d.code !== 'first-nonfinite' && !result.runs.some((r) => r.log === d.file)).map((d) => d.file);
  const { files } = await locateRunFiles({ root, runs: result.runs, configs: [...new Set(onDiagnostics)] });
  return files.filter((f) => !f.error);
}

/** One candidate per distinct change, located where the user set the (first) key it changes. */
function candidatesOf(diagnostics: NanDiagnostic[], where: Record<string, LocatedValue>): CandidateChange[] {
  const seen = new Set<string>();
  const out: CandidateChange[] = [];
  for (const d of diagnostics) {
    if (!d.change || Object.keys(d.change).length === 0) continue;
    const id = changeId(d.change);
    if (seen.has(id)) continue;
    seen.add(id);
    out.push({ change: d.change, ...(locationOf(d.change, where, { file: d.file, line: d.range.start.line }) ?? { file: d.file, line: d.range.start.line + 1 }) });
  }
  return out;
}

// A cleared suspect's diagnostic has no fix of its own; the usual fix of its setting is what the sweep tries.
const CLEARED_SETTING: Record<string, string> = { 'learning-rate': 'learning_rate', 'gradient-clipping': 'max_grad_norm', 'optimizer-epsilon': 'adam_epsilon' };

/**
 * The usual fix of each setting a diagnostic names without changing it (a learning rate the evidence
 * clears gets learning rate / 10): a non-finite re-run is the evidence that clears it. Its diagnostic stays unverified.
 */
function clearedCandidates(diagnostics: NanDiagnostic[], spec: ProbeSpec, where: Record<string, LocatedValue>): CandidateChange[] {
  const usual = defaultCandidates(resolvedBase(spec));
  const out: CandidateChange[] = [];
  for (const d of diagnostics) {
    const key = CLEARED_SETTING[d.code];
    if (!key || (d.change && Object.keys(d.change).length > 0)) continue;
    const fix = usual.find((c) => Object.keys(c.change).length === 1 && key in c.change);
    if (!fix) continue;
    out.push({ change: fix.change, ...(locationOf(fix.change, where, { file: d.file, line: d.range.start.line }) ?? { file: d.file, line: d.range.start.line + 1 }) });
  }
  return out;
}
