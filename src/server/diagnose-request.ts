// `nanDoctor/diagnose`: the full diagnosis of one run, then the probe when asked and allowed,
// with work-done progress and cancellation.
import { existsSync } from 'node:fs';
import type { CancellationToken, Connection, WorkDoneProgressReporter } from 'vscode-languageserver/node';
import type { DiagnoseResult, LocatedFile, NanDiagnostic, ProbeReport } from '../engine/types.ts';
import type { FolderAnalysis } from './analysis.ts';
import type { AfterNaN, DiagnoseParams, DiagnoseResponse } from '../protocol/messages.ts';
import type { Run, Runs } from './runs.ts';
import type { Settings } from './settings.ts';

export interface DiagnoseContext {
  connection: Connection;
  runs: Runs;
  settings: Settings;
  trusted: boolean;
  folder(root: string): FolderAnalysis;
  firstRoot: string | null;
  /** How long the run kept going after its first NaN (undefined while it is finite). */
  afterNaN(run: Run): AfterNaN | undefined;
  /** The diagnose result is in: remember what the probe verified and re-publish the folder. */
  published(root: string, diagnostics: NanDiagnostic[]): void;
  setReport(report: ProbeReport): void;
}

// Models that are workspace code: a JS module exporting createModel(). Builtins, model JSON and ONNX files are
// data (decoded, nothing in them runs), so they are probed in untrusted workspaces too.
const codeModel = /\.(c|m)?[jt]s$/i;

export async function handleDiagnose(ctx: DiagnoseContext, params: DiagnoseParams, token: CancellationToken): Promise<DiagnoseResponse> {
  const abort = new AbortController();
  const cancelled = token.onCancellationRequested(() => abort.abort());
  let progress: WorkDoneProgressReporter;
  if (params.workDoneToken !== undefined) progress = ctx.connection.window.attachWorkDoneProgress(params.workDoneToken);
  else {
    // No token from the client (another editor, or workspace/executeCommand): ask to show our own progress.
    const created = await ctx.connection.window.createWorkDoneProgress();
    created.token.onCancellationRequested(() => abort.abort());
    progress = created;
  }
  progress.begin('Diagnose NaN', 0, 'Reading the run…', true);
  const notes: string[] = [];
  try {
    const run = params.run ? ctx.runs.find(params.run) : (ctx.runs.latestIncident() ?? ctx.runs.all()[0]);
    const root = run?.root ?? ctx.firstRoot;
    if (!run || !root) {
      notes.push(params.run ? `No run named ${params.run} is watched.` : 'No run is watched yet: open a folder with training logs, run training in a terminal, or use "Watch Log File…".');
      return { version: 1, runs: [], diagnostics: [], probe: null, notes, root };
    }
    const scan = run.scan();
    if (!scan.incident) notes.push(`${run.name} has no non-finite value yet.`);
    const analysis = ctx.folder(root);
    progress.report(10, 'Locating the configs and scripts…');
    const folder = await analysis.run([scan], run.log ? [run.log] : [], run.notebook ? [run.notebook.path] : []);
    notes.push(...folder.errors);
    const errors = folder.files.filter((f) => f.error).map((f) => ({ file: f.file, message: f.error! }));
    let result: DiagnoseResult = { version: 1, runs: [scan], diagnostics: folder.diagnostics, probe: null, errors };

    if (params.probe && scan.incident && !abort.signal.aborted) result = await probe(ctx, result, root, folder.files.filter((f) => !f.error), notes, abort.signal, progress);
    if (abort.signal.aborted) notes.push('Cancelled.');
    ctx.published(root, result.diagnostics);
    if (result.probe) ctx.setReport(result.probe);
    const after = ctx.afterNaN(run);
    return { ...result, notes, root, ...(after ? { afterNaN: after } : {}) };
  } finally {
    cancelled.dispose();
    progress.done();
  }
}

async function probe(ctx: DiagnoseContext, result: DiagnoseResult, root: string, files: LocatedFile[], notes: string[], signal: AbortSignal, progress: WorkDoneProgressReporter): Promise<DiagnoseResult> {
  const p = ctx.settings.probe;
  if (!p.enabled) {
    notes.push('The probe is turned off (nanDoctor.probe.enabled).');
    return result;
  }
  const model = p.model || undefined;
  if (!model && !existsSync(`${root}/nan-doctor.json`)) {
    notes.push('No probe model is configured: a stand-in model of the task\'s family re-runs the optimizer and precision settings. Use "NaN Doctor: Use My Model…" to probe your own model (an ONNX export of its training step).');
  }
  if (model && codeModel.test(model) && !ctx.trusted) {
    notes.push(`The probe model ${model} is workspace code; it runs only in a trusted workspace.`);
    return result;
  }
  progress.report(30, 'Re-running the first iterations with probes…');
  const timeout = AbortSignal.timeout(p.timeoutSeconds * 1000);
  const both = AbortSignal.any([signal, timeout]);
  try {
    const { verifyDiagnostics } = await import('../probe/verify/verify.ts');
    return await verifyDiagnostics(result, {
      root,
      model,
      files,
      allowCode: ctx.trusted,
      signal: both,
      iterations: p.iterations,
      timeoutMs: p.timeoutSeconds * 1000,
      memoryMb: p.memoryMb,
      onProgress: (message: string, percent?: number) => progress.report(percent === undefined ? 30 : 30 + Math.round(percent * 0.7), message),
    });
  } catch (e) {
    if (timeout.aborted) notes.push(`The probe took longer than ${p.timeoutSeconds} s (nanDoctor.probe.timeoutSeconds) and was stopped.`);
    else if (!signal.aborted) notes.push(`The probe failed: ${(e as Error).message}`);
    return result;
  }
}
