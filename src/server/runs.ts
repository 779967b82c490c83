// The runs the server follows: log files (through watchRun) and terminal commands (through an analyzer).
import { watchRun } from '../engine/output/watch.ts';
import { createRunAnalyzer } from '../engine/output/analyzer.ts';
import type { RunScan } from '../engine/types.ts';

export interface Run {
  /** The log's absolute path, or `terminal:<id>`. */
  id: string;
  /** Workspace folder the run belongs to (absolute). */
  root: string;
  /** Absolute path of the log file; null for terminal output. */
  log: string | null;
  /** Name shown in diagnostics: the workspace-relative log path, or the terminal command. */
  name: string;
  command?: string;
  scan(): RunScan;
  /** When the incident (if any) arrived, to pick the latest one. */
  incidentAt?: number;
}

export interface RunEvents {
  incident(run: Run): void;
  /** A run's incident went away (its log was truncated or re-created). */
  reset(run: Run): void;
  error(run: Run, message: string): void;
}

interface Followed extends Run {
  close(): void;
}

interface TerminalRun extends Run {
  feed(data: string): void;
  end(): void;
}

export class Runs {
  private readonly logs = new Map<string, Followed>();
  private readonly terminals = new Map<string, TerminalRun>();

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
      root,
      log: abs,
      name,
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
        // A truncated or re-created log starts a new run: its old incident no longer applies.
        if (run.incidentAt !== undefined && ref.handle && ref.handle.current().incident === null) {
          run.incidentAt = undefined;
          this.events.reset(run);
        }
      },
      onError: (e: unknown) => this.events.error(run, e instanceof Error ? e.message : String(e)),
    });
  }

  startTerminal(id: string, root: string, name: string, command: string): void {
    this.terminals.get(id)?.end();
    const analyzer = createRunAnalyzer(name);
    const run: TerminalRun = {
      id: `terminal:${id}`,
      root,
      log: null,
      name,
      command,
      scan: () => ({ ...analyzer.result(), command }),
      feed: (data) => analyzer.feed(data),
      end: () => analyzer.end(),
    };
    analyzer.onIncident(() => {
      run.incidentAt = Date.now();
      this.events.incident(run);
    });
    this.terminals.set(id, run);
  }

  feedTerminal(id: string, data: string): void {
    const run = this.terminals.get(id);
    if (!run) return;
    try {
      run.feed(data);
    } catch (e) {
      this.events.error(run, (e as Error).message);
    }
  }

  endTerminal(id: string): void {
    const run = this.terminals.get(id);
    if (!run) return;
    try {
      run.end();
    } catch (e) {
      this.events.error(run, (e as Error).message);
    }
    // A finished command that stayed finite has nothing more to say.
    if (!run.incidentAt) this.terminals.delete(id);
  }

  all(): Run[] {
    return [...this.logs.values(), ...this.terminals.values()];
  }

  watchedLogs(): string[] {
    return [...this.logs.keys()];
  }

  activeTerminals(): number {
    return this.terminals.size;
  }

  find(id: string): Run | undefined {
    return this.logs.get(id) ?? this.terminals.get(id.replace(/^terminal:/, '')) ?? this.all().find((r) => r.name === id);
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
    this.terminals.clear();
  }
}
