// A live run: the follower's bytes through the analyzer (text logs), or re-reads of a structured file,
// with each run's incident reported exactly once. A reset (truncation, rotation, re-creation) starts a new run.
import type { Incident, RunScan, TrainingEvent } from '../types';
import { createRunAnalyzer, type RunAnalyzer } from './analyzer';
import { follow, type ResetReason } from './follower';
import { IncidentTracker } from './incident';
import { findStructuredFormat, type StructuredFormat } from './structured/index';

export interface WatchOptions {
  /** How the log is named in results (default: the path). */
  displayName?: string;
  /** A run's first non-finite value, once per run. */
  onIncident(run: RunScan): void;
  /** Events as they are read; called with [] when a reset starts a new run. */
  onEvents?(events: TrainingEvent[]): void;
  onError?(e: Error): void;
  /** Quiet time before a structured file is re-read after a change. */
  debounceMs?: number;
  /** How long a structured file's read error must persist, with no change, before it is reported. */
  settleMs?: number;
  /** Interval of the follower's fallback poll. */
  pollMs?: number;
}

export interface WatchedRun {
  close(): void;
  current(): RunScan;
}

/** Whether two incidents are the same finding (a structured file rewritten with the same content). */
const SETTLE_MS = 300;

const sameIncident = (a: Incident, b: Incident) => a.line === b.line && a.step === b.step && a.metric === b.metric && a.value === b.value;

export function watchRun(path: string, opts: WatchOptions): WatchedRun {
  const log = opts.displayName ?? path;
  const empty = (): RunScan => ({ log, formats: [], incident: null, steps: null });
  let closed = false;
  // Decided from the first bytes of each run: text through the analyzer, or a structured reader.
  let mode: 'undecided' | 'text' | StructuredFormat = 'undecided';
  let analyzer: RunAnalyzer | null = null;
  let batch: TrainingEvent[] = [];

  const report = (e: unknown) => {
    if (!closed && opts.onError) opts.onError(e instanceof Error ? e : new Error(String(e)));
  };

  function newAnalyzer(): RunAnalyzer {
    const a = createRunAnalyzer(log);
    a.onEvent((e) => batch.push(e));
    a.onIncident(() => {
      if (!closed && analyzer === a) opts.onIncident(a.result());
    });
    return a;
  }

  function flushEvents(): void {
    if (batch.length === 0) return;
    const events = batch;
    batch = [];
    if (opts.onEvents && !closed) opts.onEvents(events);
  }

  // ---- structured files: re-read on change, report a new incident once ----
  let structuredScan: RunScan | null = null;
  let reported: Incident | null = null;
  let timer: NodeJS.Timeout | null = null;
  let reading = false;
  let dirty = false;
  let lastError = '';
  // A read error may just be a file caught mid-write: it is reported only if it stays once the file settles.
  let suspect: { message: string; changes: number } | null = null;
  let changes = 0;
  let confirmTimer: NodeJS.Timeout | null = null;
  const abort = new AbortController();

  function noteChange(): void {
    changes++;
    scheduleReread();
  }

  function scheduleReread(): void {
    if (timer || closed) return;
    timer = setTimeout(() => {
      timer = null;
      void reread();
    }, opts.debounceMs ?? 50);
  }

  async function reread(): Promise<void> {
    if (reading) {
      dirty = true;
      return;
    }
    const format = mode;
    if (typeof format !== 'object') return;
    reading = true;
    dirty = false;
    try {
      const tracker = new IncidentTracker();
      const events: TrainingEvent[] = [];
      for await (const e of format.read(path, abort.signal)) {
        const event = e.format ? e : { ...e, format: format.name };
        events.push(event);
        tracker.add(event);
      }
      if (closed || mode !== format) return;
      lastError = '';
      suspect = null;
      structuredScan = { log, formats: tracker.formats.length ? tracker.formats : [format.name], incident: tracker.incident, steps: tracker.steps };
      if (opts.onEvents) opts.onEvents(events);
      const incident = tracker.incident;
      if (!incident) reported = null; // the file went back to finite: the next incident is a new run's
      else if (!reported || !sameIncident(reported, incident)) {
        reported = incident;
        opts.onIncident(structuredScan);
      }
    } catch (e) {
      if (closed || (e as Error)?.name === 'AbortError') return;
      if ((e as NodeJS.ErrnoException)?.code === 'ENOENT') {
        // Deleted: nothing to judge until it comes back, and what comes back is a new run.
        structuredScan = null;
        reported = null;
        return;
      }
      const message = e instanceof Error ? e.message : String(e);
      if (message === lastError) return; // already reported
      if (suspect && suspect.message === message && suspect.changes === changes) {
        suspect = null;
        lastError = message;
        report(new Error(`${log}: ${message}`));
        return;
      }
      suspect = { message, changes };
      if (confirmTimer) clearTimeout(confirmTimer);
      confirmTimer = setTimeout(() => {
        confirmTimer = null;
        void reread();
      }, opts.settleMs ?? SETTLE_MS);
    } finally {
      reading = false;
      if (dirty && !closed) scheduleReread();
    }
  }

  // ---- the follower drives both ----
  // CSV and MLflow files are known by their first line: wait for it (text logs are decided at once).
  const needsFirstLine = /\.csv$/i.test(path) || /[\\/]metrics[\\/]/.test(path);
  let head: Buffer = Buffer.alloc(0);

  function onData(incoming: Buffer): void {
    if (closed) return;
    let chunk = incoming;
    if (mode === 'undecided') {
      // With fromStart the first bytes of every run are the file's head.
      head = Buffer.concat([head, chunk]);
      if (needsFirstLine && !head.includes(10) && head.length < 4096) return;
      chunk = head;
      head = Buffer.alloc(0);
      mode = findStructuredFormat(path, chunk) ?? 'text';
      if (mode === 'text') analyzer = newAnalyzer();
    }
    if (mode === 'text') {
      analyzer!.feed(chunk);
      flushEvents();
    } else noteChange();
  }

  function onReset(reason: ResetReason): void {
    if (closed) return;
    if (mode === 'text' && analyzer) {
      // The old run's unterminated last line still counts for the old run.
      analyzer.end();
      flushEvents();
    }
    analyzer = null;
    batch = [];
    head = Buffer.alloc(0);
    if (typeof mode === 'object') {
      // A structured file is judged by its content, not by the reset; a deleted one has none.
      if (reason === 'deleted') structuredScan = null;
      noteChange();
    } else mode = 'undecided';
    if (opts.onEvents) opts.onEvents([]);
  }

  // Structured files can change in place (same size, same tail): any change notice re-reads them.
  const onChange = () => {
    if (typeof mode === 'object') noteChange();
  };
  const follower = follow(path, { onData, onReset, onChange, onError: report }, { fromStart: true, pollMs: opts.pollMs });

  return {
    close() {
      if (closed) return;
      closed = true;
      follower.close();
      abort.abort();
      if (timer) clearTimeout(timer);
      if (confirmTimer) clearTimeout(confirmTimer);
      timer = null;
    },
    current() {
      if (mode === 'text' && analyzer) return analyzer.result();
      if (typeof mode === 'object') return structuredScan ?? { ...empty(), formats: [mode.name] };
      return empty();
    },
  };
}
