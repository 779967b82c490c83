// A live run: the follower's bytes through the analyzer (text logs), or re-reads of a structured file,
// with each run's incident reported exactly once. A reset (truncation, rotation, re-creation) starts a new run.
import type { RunScan, TrainingEvent } from '../types';
import { createRunAnalyzer, type RunAnalyzer } from './analyzer';
import { follow, type ResetReason } from './follower';
import { findStructuredFormat } from './structured/index';
import { liveStructuredRun, type LiveStructuredRun } from './structured/live';
import { sniffTrainingOutput } from './training-output';

export interface WatchOptions {
  /** How the log is named in results (default: the path). */
  displayName?: string;
  /** A run's first non-finite value, once per run. */
  onIncident(run: RunScan): void;
  /**
   * Text logs: the events of each chunk as it is read. Structured files: all of the file's events after
   * each re-read. Called with [] when a reset starts a new run.
   */
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

export function watchRun(path: string, opts: WatchOptions): WatchedRun {
  const log = opts.displayName ?? path;
  let closed = false;
  // Decided from the first bytes of each run: text through the analyzer, or a structured reader.
  let mode: 'undecided' | 'text' | 'structured' = 'undecided';
  let analyzer: RunAnalyzer | null = null;
  let structured: LiveStructuredRun | null = null;
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

  // CSV and MLflow files are known by their first line: wait for it (text logs are decided at once).
  const needsFirstLine = /\.csv$/i.test(path) || /[\\/]metrics[\\/]/.test(path);
  let head: Buffer = Buffer.alloc(0);

  function decide(first: Buffer): void {
    const sniffed = sniffTrainingOutput(path, first);
    const format = sniffed.kind === 'structured' ? findStructuredFormat(path, first) : undefined;
    if (format) {
      mode = 'structured';
      structured = liveStructuredRun(path, format, {
        log,
        onIncident: (run) => !closed && opts.onIncident(run),
        onEvents: (events) => !closed && opts.onEvents?.(events),
        onError: report,
        debounceMs: opts.debounceMs,
        settleMs: opts.settleMs,
      });
    } else {
      mode = 'text';
      analyzer = newAnalyzer();
    }
  }

  function onData(chunk: Buffer): void {
    if (closed) return;
    if (mode === 'undecided') {
      // With fromStart the first bytes of every run are the file's head.
      head = Buffer.concat([head, chunk]);
      if (needsFirstLine && !head.includes(10) && head.length < 4096) return;
      chunk = head;
      head = Buffer.alloc(0);
      decide(chunk);
    }
    if (analyzer) {
      analyzer.feed(chunk);
      flushEvents();
    } else structured?.changed();
  }

  function onReset(reason: ResetReason): void {
    if (closed) return;
    if (analyzer) {
      // The old run's unterminated last line still counts for the old run.
      analyzer.end();
      flushEvents();
      analyzer = null;
      mode = 'undecided';
    }
    batch = [];
    head = Buffer.alloc(0);
    // A structured file is judged by its content, not by the reset; a deleted one has none.
    if (structured) {
      if (reason === 'deleted') structured.deleted();
      else structured.changed();
    }
    if (opts.onEvents) opts.onEvents([]);
  }

  // Structured files can change in place (same size, same tail): any change notice re-reads them.
  const onChange = () => structured?.changed();
  const follower = follow(path, { onData, onReset, onChange, onError: report }, { fromStart: true, pollMs: opts.pollMs });

  return {
    close() {
      if (closed) return;
      closed = true;
      follower.close();
      structured?.close();
    },
    current() {
      if (analyzer) return analyzer.result();
      if (structured) return structured.current();
      return { log, formats: [], incident: null, steps: null };
    },
  };
}
