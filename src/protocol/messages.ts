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
  /** The task that runs in this terminal, when it is a task's terminal (Stop training then terminates the task). */
  task?: string;
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
  /** Which run to diagnose: a run id (a log's absolute path, `terminal:ID`, `cell:URI`); default the latest incident. */
  run?: string;
}
export interface DiagnoseResponse extends DiagnoseResult {
  /** Why something was skipped (no incident yet, probe disabled in an untrusted workspace…). */
  notes: string[];
  /** How long the diagnosed run kept going after its first NaN, when it went non-finite. */
  afterNaN?: AfterNaN;
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

/** How NaN Doctor can stop a run: interrupt its terminal command, terminate its task, interrupt its notebook cell, or signal the process writing its log. */
export type StopKind = 'terminal' | 'task' | 'notebook' | 'process';

export interface IncidentParams {
  /** The run: the log's workspace-relative path, the terminal command's name, or `notebook.ipynb cell N`. */
  run: string;
  /** The run's id, for Stop training and Diagnose NaN (a log's absolute path, `terminal:ID`, `cell:URI`). */
  id: string;
  /** Absolute path of the log file, or null for terminal and notebook output. */
  log: string | null;
  /** 1-based line of the incident in the log, the terminal output, or the cell's outputs. */
  line: number;
  step: number | null;
  metric: string | null;
  value: NonFiniteValue;
  /** How many diagnostics the incident produced. */
  diagnostics: number;
  /** Notebook runs: the 1-based index of the cell whose outputs hold the incident. */
  cell?: number;
  /** Always true: the reader reports a loss-scaler skip that recovered as an event, never as an incident. */
  persistent: boolean;
  /** When the server saw the incident (ms since the epoch). */
  seenAt: number;
  /** How long the run kept going after it (ms): to now while it runs, else to its end or its stop; for a log, to its last write. */
  keptGoingMs: number;
  /** Whether the run is still going (a terminal command or cell still executing, a log still growing). */
  running: boolean;
  /** How Stop training would stop it; null when nothing can (an untrusted workspace, a finished command). */
  stop: StopKind | null;
  /** Set once NaN Doctor stopped it: when, what and why. */
  stopped?: StoppedParams;
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

export interface NotebookCell {
  /** 0-based index among all cells, as stored. */
  index: number;
  /** The cell document's URI (`vscode-notebook-cell:` scheme). */
  uri: string;
  kind: 'code' | 'markdown';
  text: string;
}
export interface NotebookCellsParams {
  /** Absolute path of the notebook file. */
  notebook: string;
  cells: NotebookCell[];
}
/** Client → server: a notebook's cells as the editor has them (sent when a cell starts printing and when cell text changes), read as Python for the diagnosis. */
export const NotebookCells = new NotificationType<NotebookCellsParams>('nanDoctor/notebookCells');

export interface NotebookOutputParams {
  /** Absolute path of the notebook file. */
  notebook: string;
  /** The cell whose outputs changed. */
  cell: NotebookCell;
  /** What changed since the last message for this cell (see engine/output/notebook-text.ts). */
  op: 'append' | 'redraw' | 'reset';
  text: string;
}
/** Client → server: a running cell's text outputs (stdout, stderr, text/plain) grew or were redrawn. */
export const NotebookOutput = new NotificationType<NotebookOutputParams>('nanDoctor/notebookOutput');

export interface NotebookEndedParams {
  /** The cell document's URI. */
  cell: string;
  success?: boolean;
}
/** Client → server: the cell's execution ended. */
export const NotebookEnded = new NotificationType<NotebookEndedParams>('nanDoctor/notebookEnded');

export interface StopTrainingParams {
  /** The run's id (IncidentParams.id). */
  run: string;
  /** For a log's writer: the ticket of the confirmation the user accepted. */
  ticket?: string;
}
export interface StoppedParams {
  /** The run's name. */
  run: string;
  id: string;
  how: StopKind;
  /** `user`: Stop training; `setting`: nanDoctor.onNonFinite is `stop`. */
  by: 'user' | 'setting';
  /** What was stopped and why, in one sentence. */
  message: string;
  at: number;
}
export type StopTrainingResponse =
  | { outcome: 'stopped'; stopped: StoppedParams }
  /** A log's writer: ask the user (modal) with the PID and command line, then send the ticket back. */
  | { outcome: 'confirm'; pid: number; command: string; message: string; ticket: string }
  | { outcome: 'refused'; message: string };
/** Client → server request: stop a run that went non-finite. */
export const StopTraining = new RequestType<StopTrainingParams, StopTrainingResponse, void>('nanDoctor/stopTraining');

export interface InterruptParams {
  /** The run's id: `terminal:ID` or `cell:URI`. */
  run: string;
  how: 'terminal' | 'task' | 'notebook';
}
export interface InterruptResponse {
  done: boolean;
  /** What was done, or why nothing was (the command already ended…). */
  message: string;
}
/** Server → client request: interrupt a terminal command (Ctrl+C), terminate a task, or interrupt a notebook cell. */
export const Interrupt = new RequestType<InterruptParams, InterruptResponse, void>('nanDoctor/interrupt');

/** Server → client: NaN Doctor stopped a run by itself (nanDoctor.onNonFinite is `stop`): tell the user what and why. */
export const Stopped = new NotificationType<StoppedParams>('nanDoctor/stopped');

export interface AfterNaN {
  run: string;
  keptGoingMs: number;
  running: boolean;
  stopped?: StoppedParams;
}

export interface OnnxSnippetResponse {
  /** The training script the lines are written for (workspace-relative), or null when none was found. */
  script: string | null;
  /** The Python to paste into it: the step-module wrapper, torch.onnx.export, np.savez of one batch. */
  text: string;
}
/** Client → server request: the ONNX export lines for the detected training script (for "Copy ONNX Export Snippet"). */
export const OnnxSnippet = new RequestType0<OnnxSnippetResponse, void>('nanDoctor/onnxSnippet');
