// Every message between the NaN Doctor client and its language server, as typed RequestType /
// NotificationType objects both sides import (the shape vscode-eslint's customMessages.ts has).
// Only the protocol package and engine types: the extension bundle pulls in no server code.
import { NotificationType, NotificationType0, RequestType, RequestType0 } from 'vscode-languageserver-protocol';
import type { DiagnoseResult, NonFiniteValue, ProbeReport } from '../engine/types.ts';

export interface TerminalStartedParams {
  /** An id the client picks, unique per command execution. */
  id: string;
  commandLine: string;
  /** Absolute path of the working directory, when the shell reports it. */
  cwd?: string;
  /** A name for the run as the user sees it (the terminal name). */
  name?: string;
}
/** Client → server: a shell-integration command started in a terminal. */
export const TerminalStarted = new NotificationType<TerminalStartedParams>('nanDoctor/terminalStarted');

export interface TerminalDataParams {
  id: string;
  data: string;
}
/** Client → server: a chunk of the command's output (raw, with ANSI escapes and carriage returns). */
export const TerminalData = new NotificationType<TerminalDataParams>('nanDoctor/terminalData');

export interface TerminalEndedParams {
  id: string;
  exitCode?: number;
}
/** Client → server: the command ended. */
export const TerminalEnded = new NotificationType<TerminalEndedParams>('nanDoctor/terminalEnded');

export interface WatchLogParams {
  path: string;
}
/** Client → server: follow one more log file (absolute path), whatever the globs say. */
export const WatchLog = new NotificationType<WatchLogParams>('nanDoctor/watchLog');

/** Client → server: stop following every log and forget the terminal runs. */
export const StopWatching = new NotificationType0('nanDoctor/stopWatching');

export interface TrustChangedParams {
  trusted: boolean;
}
/** Client → server: the user granted workspace trust (it is never taken back in a session). */
export const TrustChanged = new NotificationType<TrustChangedParams>('nanDoctor/trustChanged');

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
/** Client → server request: the full diagnosis of the current run, optionally with the probe. */
export const Diagnose = new RequestType<DiagnoseParams, DiagnoseResponse, void>('nanDoctor/diagnose');

/** The same diagnosis (with the probe) as a `workspace/executeCommand` command, for editors that only speak plain LSP; argument: an optional run. */
export const diagnoseCommand = 'nanDoctor.server.diagnose';

export interface LastReportResponse {
  report: ProbeReport | null;
  html: string | null;
}
/** Client → server request: the last probe report and its self-contained HTML page. */
export const LastReport = new RequestType0<LastReportResponse, void>('nanDoctor/lastReport');

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
/** Server → client: a run printed its first non-finite value. */
export const Incident = new NotificationType<IncidentParams>('nanDoctor/incident');

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
/** Server → client: what is watched (sent whenever it changes). */
export const Status = new NotificationType<StatusParams>('nanDoctor/status');
