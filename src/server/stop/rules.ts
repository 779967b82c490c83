// When NaN Doctor may stop a run: only a run whose NaN persisted, only in a trusted workspace, only while it
// still runs, once. Whether it asks first is the caller's business (a modal for a process, the setting for all).
import type { StopKind } from '../../protocol/messages.ts';
import type { Run } from '../runs.ts';
import type { Settings } from '../settings.ts';

/** Why Stop training must do nothing for this run, or null when it may go ahead. */
export function refusal(run: Run | undefined, trusted: boolean, asked = 'that run'): string | null {
  if (!run) return `No run named ${asked} is watched.`;
  if (!trusted) return 'NaN Doctor stops nothing in an untrusted workspace: trust the workspace to let it interrupt training.';
  // The reader reports a loss-scaler overflow that recovered as an event, never as an incident.
  if (run.incidentAt === undefined) return `${run.name} has no persistent non-finite value: NaN Doctor stops only a run whose NaN persisted.`;
  if (run.stopped) return `${run.name} was already stopped.`;
  if (run.kind !== 'log' && run.endedAt !== undefined) return `${run.name} has already ended.`;
  return null;
}

/** How Stop training would stop the run, or null when it may not. */
export function stopKind(run: Run, trusted: boolean): StopKind | null {
  if (refusal(run, trusted) !== null) return null;
  if (run.kind === 'log') return 'process';
  if (run.kind === 'notebook') return 'notebook';
  return run.task ? 'task' : 'terminal';
}

/** `nanDoctor.onNonFinite: stop`: stop without asking, once the incident is there. */
export function stopsByItself(run: Run, settings: Settings, trusted: boolean): boolean {
  return settings.onNonFinite === 'stop' && refusal(run, trusted) === null;
}
