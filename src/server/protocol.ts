// The custom messages between the NaN Doctor client and its language server.
// Plain method names and param shapes only, so the extension, the server and tests share them
// without pulling either side's library into the other.
import type { DiagnoseResult, NonFiniteValue, ProbeReport } from '../engine/types.ts';

/** Client → server: a shell-integration command started in a terminal. */
export const terminalStarted = 'nanDoctor/terminalStarted';
export interface TerminalStartedParams {
  /** An id the client picks, unique per command execution. */
  id: string;
  commandLine: string;
  /** Absolute path of the working directory, when the shell reports it. */
  cwd?: string;
  /** A name for the run as the user sees it (the terminal name). */
  name?: string;
}

/** Client → server: a chunk of the command's output (raw, with ANSI escapes and carriage returns). */
export const terminalData = 'nanDoctor/terminalData';
export interface TerminalDataParams {
  id: string;
  data: string;
}

/** Client → server: the command ended. */
export const terminalEnded = 'nanDoctor/terminalEnded';
export interface TerminalEndedParams {
  id: string;
  exitCode?: number;
}

/** Client → server: follow one more log file (absolute path), whatever the globs say. */
export const watchLog = 'nanDoctor/watchLog';
export interface WatchLogParams {
  path: string;
}

/** Client → server: stop following every log and forget the terminal runs. */
export const stopWatching = 'nanDoctor/stopWatching';

/** Client → server: the user granted workspace trust (it is never taken back in a session). */
export const trustChanged = 'nanDoctor/trustChanged';
export interface TrustChangedParams {
  trusted: boolean;
}

/** Client → server request: the full diagnosis of the current run, optionally with the probe. */
export const diagnose = 'nanDoctor/diagnose';
export interface DiagnoseParams {
  /** Work-done progress token the client listens on. */
  workDoneToken?: string | number;
  /** Run the probe after the diagnosis (only when the workspace is trusted or the model is not code). */
  probe?: boolean;
  /** Which run to diagnose: a log path (absolute) or a terminal id; default the latest incident. */
  run?: string;
}
export interface DiagnoseResponse extends DiagnoseResult {
  /** Why something was skipped (no incident yet, probe disabled in an untrusted workspace…). */
  notes: string[];
  /** The workspace folder (absolute path) the result's relative file paths start from. */
  root: string | null;
}

/** The same diagnosis (with the probe) as a `workspace/executeCommand` command, for editors that only speak plain LSP; argument: an optional run. */
export const diagnoseCommand = 'nanDoctor.server.diagnose';

/** Client → server request: the last probe report and its self-contained HTML page. */
export const lastReport = 'nanDoctor/lastReport';
export interface LastReportResponse {
  report: ProbeReport | null;
  html: string | null;
}

/** Server → client: a run printed its first non-finite value. */
export const incident = 'nanDoctor/incident';
export interface IncidentParams {
  /** The run: the log's workspace-relative path, or the terminal command's name. */
  run: string;
  /** Absolute path of the log file, or null for terminal output. */
  log: string | null;
  /** 1-based line of the incident in the log or in the terminal output. */
  line: number;
  step: number | null;
  metric: string | null;
  value: NonFiniteValue;
  /** How many diagnostics the incident produced. */
  diagnostics: number;
}

/** Server → client: what is watched (sent whenever it changes). */
export const status = 'nanDoctor/status';
export interface StatusParams {
  /** Absolute paths of the followed log files. */
  logs: string[];
  /** Terminal commands being read. */
  terminals: number;
  /** Runs that went non-finite, newest last. */
  incidents: IncidentParams[];
  /** True once the first scan of the workspace folders is done (useful to know the server is ready). */
  ready: boolean;
}
