// What the client is told about a run that went non-finite: where, how long it kept going, how to stop it.
import type { Incident } from '../engine/types.ts';
import type { AfterNaN, IncidentParams } from '../protocol/messages.ts';
import type { Run } from './runs.ts';
import { stopKind } from './stop/rules.ts';

/** A log that has not grown for this long is no longer counted as running. */
const LOG_QUIET_MS = 30_000;

/** How long the run kept going after its first NaN: to now while it runs, else to its stop or end (a log: its last write). */
export function afterNaN(run: Run, now = Date.now()): AfterNaN {
  const seen = run.incidentAt ?? now;
  let end: number;
  let running: boolean;
  if (run.stopped) {
    end = run.stopped.at;
    running = false;
  } else if (run.kind === 'log') {
    end = Math.max(seen, run.lastOutputAt);
    running = now - run.lastOutputAt < LOG_QUIET_MS;
  } else {
    end = run.endedAt ?? now;
    running = run.endedAt === undefined;
  }
  return { run: run.name, keptGoingMs: Math.max(0, end - seen), running, ...(run.stopped ? { stopped: run.stopped } : {}) };
}

export function incidentParams(run: Run, incident: Incident, diagnostics: number, trusted: boolean, now = Date.now()): IncidentParams {
  const after = afterNaN(run, now);
  const params: IncidentParams = {
    run: run.name,
    id: run.id,
    log: run.log,
    line: incident.line,
    step: incident.step,
    metric: incident.metric,
    value: incident.value,
    diagnostics,
    persistent: true,
    seenAt: run.incidentAt ?? now,
    keptGoingMs: after.keptGoingMs,
    running: after.running,
    stop: stopKind(run, trusted),
  };
  if (run.notebook) params.cell = run.notebook.cell;
  if (run.stopped) params.stopped = run.stopped;
  return params;
}
