// The counterfactual sweep: the base probe plus one re-run per candidate fix, in parallel workers.
import type { Counterfactual, ProbeReport } from '../../engine/types';
import { resolveSettings, usedHyperparameters, type ProbeSpec } from '../spec';
import { launchProbe, ProbeError, type LaunchOptions } from '../worker/client';
import { untestableReason } from './expressible';

/** A candidate fix: a canonical hyperparameter change, and where the user's setting is (if known). */
export interface CandidateChange {
  change: Record<string, unknown>;
  key?: string;
  file?: string;
  line?: number;
}

/** A counterfactual that could not be run says why (an extra field; the contract allows them). */
export interface SweepCounterfactual extends Counterfactual {
  error?: string;
}

export interface SweepProgress {
  /** Probe runs finished so far, base included. */
  done: number;
  total: number;
  message: string;
}

export interface SweepOptions {
  /** Worker processes at once (default 2: this is CPU work). */
  parallel?: number;
  onProgress?(p: SweepProgress): void;
  signal?: AbortSignal;
  /** Passed to every worker launch. */
  timeoutMs?: number;
  memoryMb?: number;
  workerPath?: string;
  /** Called with each worker's process id as it starts. */
  onSpawn?(pid: number): void;
}

export interface SweepResult {
  base: ProbeReport;
  counterfactuals: SweepCounterfactual[];
}

/** A run stays finite when neither the training nor any weight or optimizer state went non-finite. */
export function isFinite(report: ProbeReport): boolean {
  return report.firstNonFinite === null && report.origin === null;
}

/**
 * The usual fixes, relative to the base hyperparameters, keeping only those that change something:
 * learning rate / 10, clipping at 1.0, epsilon 1e-6, and — only where they can matter — fp32 master
 * weights and bf16 (when weights or autocast are fp16), no validation after step 1 (when the run validates).
 */
export function defaultCandidates(base: Record<string, unknown>): CandidateChange[] {
  const candidates: Record<string, unknown>[] = [];
  const lr = base.learning_rate;
  if (typeof lr === 'number' && lr > 0) candidates.push({ learning_rate: Number((lr / 10).toPrecision(12)) });
  candidates.push({ max_grad_norm: 1.0 });
  // Plain SGD has no epsilon.
  if (!/sgd/i.test(String(base.optimizer ?? ''))) candidates.push({ adam_epsilon: 1e-6 });
  const weights = precisionOf(base.weight_dtype);
  const autocast = precisionOf(base.mixed_precision);
  if (weights === 'fp16' || weights === 'bf16') candidates.push({ mixed_precision: 'fp16', weight_dtype: 'fp32' });
  // bf16 keeps fp32's exponent range; autocast follows the weights when it was fp16.
  if (weights === 'fp16' || autocast === 'fp16') candidates.push(autocast === 'fp16' ? { weight_dtype: 'bf16', mixed_precision: 'bf16' } : { weight_dtype: 'bf16' });
  if (validates(base.validation)) candidates.push({ validation: 'no-step-1' });
  return candidates.filter((c) => changesSomething(base, c)).map((change) => ({ change }));
}

/** fp16 / bf16 / fp32 from the ways configs write a dtype ('float16', 'torch.bfloat16', 'no', …). */
export function precisionOf(v: unknown): 'fp16' | 'bf16' | 'fp32' | undefined {
  if (v === undefined || v === null) return undefined;
  const s = String(v).toLowerCase();
  if (/bf16|bfloat16/.test(s)) return 'bf16';
  if (/fp16|float16|half|^16$/.test(s)) return 'fp16';
  return 'fp32';
}

function validates(v: unknown): boolean {
  return v !== undefined && v !== null && v !== false && v !== '' && v !== 'none' && v !== 'no' && v !== 'no-step-1';
}

export function changesSomething(base: Record<string, unknown>, change: Record<string, unknown>): boolean {
  return Object.entries(change).some(([k, v]) => !sameValue(base[k], v));
}

function sameValue(a: unknown, b: unknown): boolean {
  if (typeof a === 'number' && typeof b === 'number') return a === b || Math.abs(a - b) <= 1e-12 * Math.max(Math.abs(a), Math.abs(b));
  return a === b;
}

/** Same change, whatever the key order (used to match diagnostics to counterfactuals). */
export function changeId(change: Record<string, unknown>): string {
  return JSON.stringify(Object.keys(change).sort().map((k) => [k, change[k]]));
}

/**
 * Runs the base probe and one probe per candidate change (the default candidates when none are
 * given), at most `parallel` worker processes at once. A candidate whose run fails is reported
 * as not finite with its error; a failed base run, a timeout of the base, or a cancel throws.
 */
export async function runSweep(spec: ProbeSpec, changes: CandidateChange[], opts: SweepOptions = {}): Promise<SweepResult> {
  const candidates = dedupe(changes.length ? changes : defaultCandidates(resolvedBase(spec)));
  const parallel = Math.max(1, Math.floor(opts.parallel ?? 2));
  // One failure (or the caller's cancel) stops the workers still running.
  const stop = new AbortController();
  const onAbort = (): void => stop.abort();
  if (opts.signal?.aborted) stop.abort();
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  const launch: LaunchOptions = { signal: stop.signal, timeoutMs: opts.timeoutMs, memoryMb: opts.memoryMb, workerPath: opts.workerPath, onSpawn: opts.onSpawn };
  const total = candidates.length + 1;
  let done = 0;
  const finished = (message: string): void => {
    done++;
    opts.onProgress?.({ done, total, message });
  };

  // A candidate that fails is reported only once the base ran: when the base fails too, its error is the one line to show.
  let baseRan!: (ok: boolean) => void;
  const baseOutcome = new Promise<boolean>((r) => (baseRan = r));
  // Job 0 is the base run; the rest are the candidates, in order.
  const jobs: (() => Promise<ProbeReport | SweepCounterfactual>)[] = [
    async () => {
      let report: ProbeReport;
      try {
        report = await launchProbe(spec, launch);
      } catch (err) {
        baseRan(false);
        throw err;
      }
      baseRan(true);
      finished(`base run: ${isFinite(report) ? 'finite' : 'non-finite'}`);
      return report;
    },
    ...candidates.map((candidate) => async (): Promise<SweepCounterfactual> => {
      const cf = await runCandidate(spec, candidate, launch);
      if (cf.error && !(await baseOutcome)) return cf;
      finished(`${describeChange(candidate.change)}: ${cf.error ? 'failed' : cf.finite === null ? 'not testable on this model' : cf.finite ? 'finite' : 'non-finite'}`);
      return cf;
    }),
  ];
  try {
    const results = await pool(jobs, parallel, stop);
    return { base: results[0] as ProbeReport, counterfactuals: results.slice(1) as SweepCounterfactual[] };
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
  }
}

/** The base hyperparameters with PyTorch's defaults filled in, so a default learning rate gets its candidate too. */
export function resolvedBase(spec: ProbeSpec): Record<string, unknown> {
  try {
    return { ...spec.hyperparameters, ...usedHyperparameters(resolveSettings(spec.hyperparameters, spec.iterations ?? 5)) };
  } catch {
    // Settings the replay refuses: the base run reports why.
    return spec.hyperparameters;
  }
}

async function runCandidate(spec: ProbeSpec, candidate: CandidateChange, launch: LaunchOptions): Promise<SweepCounterfactual> {
  const where = { ...(candidate.key !== undefined && { key: candidate.key }), ...(candidate.file !== undefined && { file: candidate.file }), ...(candidate.line !== undefined && { line: candidate.line }) };
  const untestable = untestableReason(spec, candidate.change);
  if (untestable) return { change: candidate.change, finite: null, untestable, ...where, firstNonFinite: null };
  try {
    const report = await launchProbe({ ...spec, hyperparameters: { ...spec.hyperparameters, ...candidate.change } }, { ...launch, stopAtVerdict: true });
    return { change: candidate.change, finite: isFinite(report), ...where, firstNonFinite: report.firstNonFinite };
  } catch (err) {
    if (err instanceof ProbeError && err.reason === 'cancelled') throw err;
    return { change: candidate.change, finite: false, ...where, firstNonFinite: null, error: err instanceof Error ? err.message : String(err) };
  }
}

function dedupe(candidates: CandidateChange[]): CandidateChange[] {
  const seen = new Set<string>();
  return candidates.filter((c) => {
    const id = changeId(c.change);
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}

/** Runs the jobs at most `parallel` at once, keeping their order; the first failure stops new jobs and is thrown. */
async function pool<T>(jobs: (() => Promise<T>)[], parallel: number, stop: AbortController): Promise<T[]> {
  const results: T[] = new Array(jobs.length);
  let next = 0;
  let failure: unknown;
  const lane = async (): Promise<void> => {
    while (failure === undefined && next < jobs.length) {
      if (stop.signal.aborted) throw new ProbeError('cancelled', 'sweep cancelled');
      const i = next++;
      try {
        results[i] = await jobs[i]();
      } catch (err) {
        failure ??= err;
        stop.abort();
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, jobs.length) }, lane)).catch((err: unknown) => {
    failure ??= err;
  });
  if (failure !== undefined) throw failure;
  return results;
}

export function describeChange(change: Record<string, unknown>): string {
  return Object.entries(change).map(([k, v]) => `${k} = ${typeof v === 'number' ? formatNumber(v) : String(v)}`).join(', ');
}

export function formatNumber(v: number): string {
  if (v === 0 || !Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  return a >= 1e-3 && a < 1e5 ? String(Number(v.toPrecision(6))) : v.toExponential().replace(/\.?0+e/, 'e');
}
