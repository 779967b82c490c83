// The incident as evidence: which run, which log line, which step, in words a message can quote.
import type { BeforeEvent, EventKind, Incident, NanDiagnostic, RunScan } from '../types';

export interface Evidence {
  run: RunScan;
  incident: Incident;
}

/** The first run that went non-finite (the one the diagnostics explain). */
export function firstEvidence(runs: RunScan[]): Evidence | undefined {
  for (const run of runs) if (run.incident) return { run, incident: run.incident };
  return undefined;
}

export function baseName(path: string): string {
  return path.split(/[\\/]/).pop() ?? path;
}

/** `train.log:30` */
export function logRef(e: Evidence, line = e.incident.line): string {
  return `${baseName(e.run.log)}:${line}`;
}

/** `step_loss=nan at step 2` */
export function whatWentNonFinite(e: Evidence): string {
  const { metric, value, step, kind } = e.incident;
  const what = kind === 'overflow' ? 'loss-scale overflow that did not recover' : kind === 'error' ? `non-finite error (${value})` : `${metric ?? 'value'}=${value}`;
  return step === null ? what : `${what} at step ${step}`;
}

/** `train.log:30 shows step_loss=nan at step 2` */
export function shows(e: Evidence): string {
  return `${logRef(e)} shows ${whatWentNonFinite(e)}`;
}

export function relatedIncident(e: Evidence): NanDiagnostic['related'][number] {
  const first = e.incident.kind === 'overflow' ? 'loss-scale overflow' : e.incident.value === 'nan' ? 'NaN' : e.incident.value;
  const at = e.incident.step === null ? '' : ` at step ${e.incident.step}`;
  return { file: e.run.log, line: e.incident.line, message: `first ${first}: ${e.incident.metric ?? e.incident.kind}${at}` };
}

export function relatedEvent(e: Evidence, ev: BeforeEvent): NanDiagnostic['related'][number] {
  const at = ev.step === null ? '' : ` after step ${ev.step}`;
  return { file: e.run.log, line: ev.line, message: `${ev.event}${at}` };
}

/** The nearest event of these kinds just before the incident. */
export function eventBefore(e: Evidence, kinds: EventKind[]): BeforeEvent | undefined {
  for (let i = e.incident.before.length - 1; i >= 0; i--) if (kinds.includes(e.incident.before[i].event)) return e.incident.before[i];
  return undefined;
}

/** Went non-finite on the first logged step, i.e. in the first forward pass, before any optimizer update. */
export function atFirstStep(e: Evidence): boolean {
  const { step } = e.incident;
  if (step === null) return false;
  return step <= 1 || (e.run.steps !== null && step <= e.run.steps.first);
}

/** Went non-finite after at least one update (the optimizer had a chance to write a bad value). */
export function afterAnUpdate(e: Evidence): boolean {
  return e.incident.step !== null && !atFirstStep(e);
}
