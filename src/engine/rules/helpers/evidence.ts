// The incident as evidence: which run, which log line, which step, in words a message can quote.
import { whereInRun } from '../../incident-words';
import type { BeforeEvent, EventKind, Incident, NanDiagnostic, RunScan } from '../../types';

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
  const { metric, value, kind } = e.incident;
  const what = kind === 'overflow' ? 'loss-scale overflow that did not recover' : kind === 'error' ? `non-finite error (${value})` : `${metric ?? 'value'}=${value}`;
  const where = whereInRun(e.incident);
  return where ? `${what} ${where}` : what;
}

/** `train.log:30 shows step_loss=nan at step 2` */
export function shows(e: Evidence): string {
  return `${logRef(e)} shows ${whatWentNonFinite(e)}`;
}

export function relatedIncident(e: Evidence): NanDiagnostic['related'][number] {
  const first = e.incident.kind === 'overflow' ? 'loss-scale overflow' : e.incident.value === 'nan' ? 'NaN' : e.incident.value;
  const where = whereInRun(e.incident);
  return { file: e.run.log, line: e.incident.line, message: `first ${first}: ${e.incident.metric ?? e.incident.kind}${where ? ` ${where}` : ''}` };
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

/**
 * Whether a finite training step came before the incident: true means at least one optimizer update ran,
 * false means the incident is the first forward pass, undefined means the log does not tell.
 */
export function finiteStepBefore(e: Evidence): boolean | undefined {
  if (e.run.finiteStepBefore === null) return undefined;
  if (e.run.finiteStepBefore !== undefined) return e.run.finiteStepBefore;
  const { step } = e.incident;
  const steps = finishedSteps(e.run);
  if (steps === null) return e.run.steps === null ? undefined : false;
  // an error without a step (a traceback) comes after the steps the run logged
  if (step === null) return true;
  // A log that counts in epochs (`13/13 … loss: nan` at epoch 1, `Epoch 0` then `train_loss nan`): its first step is
  // a whole epoch of updates, so a NaN there tells nothing about the first forward pass.
  if (e.incident.epoch === step && steps.first === step) return undefined;
  // the first step logged is another step than the incident's, and the incident is the first non-finite event
  return steps.first !== step;
}

// Progress bars count finished steps: `0/100` is the bar drawn before the first step, not a finite step.
const PROGRESS_BARS = new Set(['tqdm', 'lightning', 'keras']);

function finishedSteps(run: RunScan): { first: number; last: number } | null {
  const steps = run.steps;
  if (!steps || steps.first !== 0 || !run.formats.some((f) => PROGRESS_BARS.has(f))) return steps;
  return steps.last === 0 ? null : { first: 1, last: steps.last };
}

/** Went non-finite on the first logged step, i.e. in the first forward pass, before any optimizer update. */
export function atFirstStep(e: Evidence): boolean {
  return finiteStepBefore(e) === false;
}

/** Went non-finite after at least one update (the optimizer had a chance to write a bad value). */
export function afterAnUpdate(e: Evidence): boolean {
  return finiteStepBefore(e) === true;
}

/** `, the first forward pass, before any optimizer update, …`: why a setting is cleared by a first-step incident. */
export function firstPassClears(e: Evidence, what: string): string {
  return `${shows(e)}, the first forward pass, before any optimizer update: ${what} has not acted yet, so it is not the cause of this NaN (cleared)`;
}
