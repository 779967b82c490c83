// The runs the server follows: log files (through watchRun), terminal commands and notebook cells (through an analyzer).
import { watchRun } from '../engine/output/watch.ts';
import { createRunAnalyzer, type RunAnalyzer } from '../engine/output/analyzer.ts';
import type { Incident, RunScan } from '../engine/types.ts';
import type { StoppedParams } from '../protocol/messages.ts';

export type RunKind = 'log' | 'terminal' | 'notebook';

export interface Run {
  /** The log's absolute path, `terminal:<id>`, or `cell:<cell uri>`. */
  id: string;
  kind: RunKind;
  /** Workspace folder the run belongs to (absolute). */
  root: string;
  /** Absolute path of the log file; null for terminal and notebook output. */
  log: string | null;
  /** Name shown in diagnostics: the workspace-relative log path, the terminal command, or `nb.ipynb cell N`. */
  name: string;
  command?: string;
  /** A terminal run inside a task's terminal: the task's name. */
  task?: string;
  /** A notebook run: the notebook's absolute path, the 1-based cell and the cell document's URI. */
  notebook?: { path: string; cell: number; uri: string };
  scan(): RunScan;
  /** When the incident (if any) arrived. */
  incidentAt?: number;
  /** When the run last printed (or its log last grew). */
  lastOutputAt: number;
  /** When a terminal command or a cell's execution ended. */
  endedAt?: number;
  /** Set once NaN Doctor stopped the run. */
  stopped?: StoppedParams;
}

export interface RunEvents {
  incident(run: Run): void;
  /** A run's incident went away (its log was truncated or re-created, its cell's outputs cleared). */
  reset(run: Run): void;
  error(run: Run, message: string): void;
}

interface Followed extends Run {
  close(): void;
}

/** A run read from chunks of output the client forwards (terminal commands, notebook cells). */
interface StreamRun extends Run {
  feed(data: string): void;
  end(): void;
  restart(data: string): void;
}

const sameIncident = (a: Incident | null, b: Incident | null) => !!a && !!b && a.line === b.line && a.step === b.step && a.metric === b.metric && a.value === b.value;

export class Runs {
  private readonly logs = new Map<string, Followed>();
  private readonly streams = new Map<string, StreamRun>();

  constructor(private readonly events: RunEvents) {}

  isWatching(abs: string): boolean {
    return this.logs.has(abs);
  }

  watchLog(abs: string, root: string, name: string): void {
    if (this.logs.has(abs)) return;
    // watchRun may call back before it returns (a log already on disk), hence the optional handle.
    const ref: { handle?: { close(): void; current(): RunScan } } = {};
    let last: RunScan = { log: name, formats: [], incident: null, steps: null };
    const run: Followed = {
      id: abs,
      kind: 'log',
      root,
      log: abs,
      name,
      lastOutputAt: Date.now(),
      scan: () => ref.handle?.current() ?? last,
      close: () => ref.handle?.close(),
    };
    this.logs.set(abs, run);
    ref.handle = watchRun(abs, {
      displayName: name,
      onIncident: (scan: RunScan) => {
        last = scan;
        run.incidentAt = Date.now();
        this.events.incident(run);
      },
      onEvents: () => {
        run.lastOutputAt = Date.now();
        // A truncated or re-created log starts a new run: its old incident no longer applies.
        if (run.incidentAt !== undefined && ref.handle && ref.handle.current().incident === null) {
          run.incidentAt = undefined;
          run.stopped = undefined;
          this.events.reset(run);
        }
      },
      onError: (e: unknown) => this.events.error(run, e instanceof Error ? e.message : String(e)),
    });
  }

  startTerminal(id: string, root: string, name: string, command: string, task?: string): void {
    this.streams.get(`terminal:${id}`)?.end();
    this.addStream({ id: `terminal:${id}`, kind: 'terminal', root, log: null, name, command, task });
  }

  /** A notebook cell that prints: its run lasts until the cell's outputs are cleared (a new execution). */
  startCell(uri: string, root: string, name: string, notebook: { path: string; cell: number }): Run {
    const id = `cell:${uri}`;
    const known = this.streams.get(id);
    if (known) {
      known.notebook = { ...notebook, uri };
      known.name = name;
      return known;
    }
    return this.addStream({ id, kind: 'notebook', root, log: null, name, notebook: { ...notebook, uri } });
  }

  private addStream(base: Omit<Run, 'scan' | 'lastOutputAt'>): StreamRun {
    let analyzer: RunAnalyzer;
    // While restart() feeds the new text it decides itself what to announce.
    let restarting = false;
    const run: StreamRun = {
      ...base,
      lastOutputAt: Date.now(),
      scan: () => ({ ...analyzer.result(), ...(base.command ? { command: base.command } : {}) }),
      feed: (data) => {
        run.lastOutputAt = Date.now();
        analyzer.feed(data);
      },
      end: () => analyzer.end(),
      restart: (data) => {
        const before = run.incidentAt !== undefined ? analyzer.incident() : null;
        analyzer = fresh(before);
        run.endedAt = undefined;
        run.lastOutputAt = Date.now();
        restarting = true;
        try {
          analyzer.feed(data);
        } finally {
          restarting = false;
        }
        // Rewritten outputs that still show the same first NaN are the same run (`clear_output(wait=True)` redraws).
        const now = analyzer.incident();
        if (before && !sameIncident(before, now)) {
          run.incidentAt = undefined;
          run.stopped = undefined;
          this.events.reset(run);
        }
        if (now && !sameIncident(before, now)) this.announce(run);
      },
    };
    const fresh = (keep: Incident | null): RunAnalyzer => {
      const a = createRunAnalyzer(run.name);
      a.onIncident((i) => {
        if (a === analyzer && !restarting && !sameIncident(keep, i)) this.announce(run);
      });
      return a;
    };
    analyzer = fresh(null);
    this.streams.set(run.id, run);
    return run;
  }

  private announce(run: Run): void {
    run.incidentAt = Date.now();
    this.events.incident(run);
  }

  /** Output of a terminal command or a notebook cell (`id` is the run's id); `restart`: the text replaces all before. */
  feed(id: string, data: string, restart = false): void {
    const run = this.streams.get(id);
    if (!run) return;
    try {
      if (restart) run.restart(data);
      else run.feed(data);
    } catch (e) {
      this.events.error(run, (e as Error).message);
    }
  }

  /** The command or the cell's execution ended. */
  end(id: string): void {
    const run = this.streams.get(id);
    if (!run) return;
    try {
      run.end();
    } catch (e) {
      this.events.error(run, (e as Error).message);
    }
    run.endedAt = Date.now();
    // A finished run that stayed finite has nothing more to say.
    if (!run.incidentAt) this.streams.delete(id);
  }

  all(): Run[] {
    return [...this.logs.values(), ...this.streams.values()];
  }

  watchedLogs(): string[] {
    return [...this.logs.keys()];
  }

  activeTerminals(): number {
    return [...this.streams.values()].filter((r) => r.kind === 'terminal').length;
  }

  find(id: string): Run | undefined {
    return this.logs.get(id) ?? this.streams.get(id) ?? this.streams.get(`terminal:${id}`) ?? this.all().find((r) => r.name === id);
  }

  /** The run whose incident came last. */
  latestIncident(): Run | undefined {
    return this.all()
      .filter((r) => r.incidentAt !== undefined)
      .sort((a, b) => a.incidentAt! - b.incidentAt!)
      .pop();
  }

  stopLog(abs: string): void {
    this.logs.get(abs)?.close();
    this.logs.delete(abs);
  }

  stopAll(): void {
    for (const r of this.logs.values()) r.close();
    this.logs.clear();
    this.streams.clear();
  }
}
