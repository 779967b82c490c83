// A structured file being written: re-read (debounced) on every change, a new incident reported once,
// and read errors reported only when they outlast the writer (a file caught mid-write is not broken).
import type { Incident, RunScan, TrainingEvent } from '../../types';
import { IncidentTracker } from '../incident';
import type { StructuredFormat } from './types';

export interface LiveStructuredOptions {
  log: string;
  onIncident(run: RunScan): void;
  /** All of the file's events, after each successful re-read. */
  onEvents?(events: TrainingEvent[]): void;
  onError(e: Error): void;
  /** Quiet time before a re-read after a change (default 50 ms). */
  debounceMs?: number;
  /** How long a read error must persist, with no change, before it is reported (default 300 ms). */
  settleMs?: number;
}

export interface LiveStructuredRun {
  /** The file changed (or may have): re-read it soon. */
  changed(): void;
  /** The file is gone: its run ends. */
  deleted(): void;
  current(): RunScan;
  close(): void;
}

/** Whether two incidents are the same finding (the file rewritten with the same content). */
const sameIncident = (a: Incident, b: Incident) => a.line === b.line && a.step === b.step && a.metric === b.metric && a.value === b.value;

export function liveStructuredRun(path: string, format: StructuredFormat, opts: LiveStructuredOptions): LiveStructuredRun {
  let closed = false;
  let scan: RunScan | null = null;
  let reported: Incident | null = null;
  let timer: NodeJS.Timeout | null = null;
  let confirmTimer: NodeJS.Timeout | null = null;
  let reading = false;
  let dirty = false;
  let lastError = '';
  // An error seen once, and how many changes had been noticed when that read began: it counts only if it recurs unchanged.
  let suspect: { message: string; changes: number } | null = null;
  let changes = 0;
  const abort = new AbortController();

  function schedule(): void {
    if (timer || closed) return;
    timer = setTimeout(() => {
      timer = null;
      void reread();
    }, opts.debounceMs ?? 50);
  }

  async function reread(): Promise<void> {
    if (closed) return;
    if (reading) {
      dirty = true;
      return;
    }
    reading = true;
    dirty = false;
    // the changes noticed before this read began: one that arrives while it runs is not in what it read
    const seen = changes;
    try {
      const tracker = new IncidentTracker();
      const events: TrainingEvent[] = [];
      for await (const e of format.read(path, abort.signal)) {
        const event = e.format ? e : { ...e, format: format.name };
        events.push(event);
        tracker.add(event);
      }
      if (closed) return;
      lastError = '';
      suspect = null;
      scan = tracker.runScan(opts.log, format.name);
      opts.onEvents?.(events);
      const incident = tracker.incident;
      if (!incident) reported = null; // the file went back to finite: the next incident is a new run's
      else if (!reported || !sameIncident(reported, incident)) {
        reported = incident;
        opts.onIncident(scan);
      }
    } catch (e) {
      if (closed || (e as Error)?.name === 'AbortError') return;
      if ((e as NodeJS.ErrnoException)?.code === 'ENOENT') {
        // Deleted: nothing to judge until it comes back, and what comes back is a new run.
        scan = null;
        reported = null;
        return;
      }
      const message = e instanceof Error ? e.message : String(e);
      if (message === lastError) return; // already reported
      if (suspect && suspect.message === message && suspect.changes === seen) {
        suspect = null;
        lastError = message;
        opts.onError(new Error(`${opts.log}: ${message}`));
        return;
      }
      suspect = { message, changes: seen };
      if (confirmTimer) clearTimeout(confirmTimer);
      confirmTimer = setTimeout(() => {
        confirmTimer = null;
        void reread();
      }, opts.settleMs ?? 300);
    } finally {
      reading = false;
      if (dirty && !closed) schedule();
    }
  }

  return {
    changed() {
      changes++;
      schedule();
    },
    deleted() {
      scan = null;
      changes++;
      schedule();
    },
    current: () => scan ?? { log: opts.log, formats: [format.name], incident: null, steps: null },
    close() {
      closed = true;
      abort.abort();
      if (timer) clearTimeout(timer);
      if (confirmTimer) clearTimeout(confirmTimer);
      timer = confirmTimer = null;
    },
  };
}
