// The NaN Doctor language server: follows the runs, analyzes them per workspace folder, publishes
// diagnostics and quick fixes, and answers the custom requests of ../protocol/messages.ts.
import { existsSync } from 'node:fs';
import { dirname, isAbsolute, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  DidChangeConfigurationNotification,
  TextDocumentSyncKind,
  TextDocuments,
  type CodeAction,
  type CodeActionParams,
  type Connection,
  type InitializeParams,
  type InitializeResult,
  type WorkspaceFoldersChangeEvent,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { NanDiagnostic, ProbeReport } from '../engine/types.ts';
import { FolderAnalysis } from './analysis.ts';
import { onnxExportSnippet } from '../engine/onnx-snippet.ts';
import { codeActions } from './code-actions.ts';
import { deltaBytes } from '../engine/output/notebook-text.ts';
import { handleDiagnose, type DiagnoseContext } from './diagnose-request.ts';
import { trainingOutputMatcher } from '../engine/output/training-output.ts';
import { uriOf, type Place } from './convert.ts';
import { Notebooks } from './notebooks.ts';
import { afterNaN, incidentParams } from './run-status.ts';
import { stopsByItself } from './stop/rules.ts';
import { Stopper } from './stop/stopper.ts';
import * as protocol from '../protocol/messages.ts';
import { Publisher, versionOf } from './publisher.ts';
import { Scheduler } from './scheduler.ts';
import { Runs, type Run } from './runs.ts';
import { defaultSettings, readSettings, type Settings } from './settings.ts';
import { binaryReason } from './sniff.ts';
import { FolderWatcher } from './walk.ts';

const within = (root: string, abs: string): boolean => {
  const r = relative(root, abs);
  return !r.startsWith('..') && !isAbsolute(r);
};

export class NanDoctorServer {
  private readonly documents = new TextDocuments(TextDocument);
  private readonly runs: Runs;
  private readonly publisher: Publisher;
  private readonly folders = new Map<string, { analysis: FolderAnalysis; watcher: FolderWatcher | null }>();
  private settings: Settings = defaultSettings;
  private trusted = false;
  private pullConfiguration = false;
  private paused = false;
  private ready = false;
  private readonly manualLogs = new Set<string>();
  /** Re-analysis of one workspace folder, debounced. */
  private readonly scheduler = new Scheduler((root) => this.analyzeFolder(root));
  /** The announced incident of each run (with how many diagnostics it had); a reset or a stopped run drops its entry. */
  private readonly incidents = new Map<Run, { diagnostics: number }>();
  private readonly notebooks = new Notebooks();
  private readonly stopper: Stopper;
  /** Re-sends the status each second while a run keeps going after its NaN (the status bar counts the time). */
  private tickTimer: NodeJS.Timeout | null = null;
  private lastReport: ProbeReport | null = null;
  private statusTimer: NodeJS.Timeout | null = null;
  private reportedErrors = new Set<string>();

  constructor(private readonly connection: Connection) {
    this.publisher = new Publisher(connection);
    this.runs = new Runs({
      incident: (run) => this.schedule(run.root, 0),
      reset: (run) => {
        this.incidents.delete(run);
        this.schedule(run.root, 0);
        this.sendStatus();
      },
      error: (run, message) => connection.console.error(`${run.name}: ${message}`),
    });
    this.stopper = new Stopper({
      connection,
      find: (id) => this.runs.find(id),
      trusted: () => this.trusted,
      settings: () => this.settings,
      changed: () => this.sendStatus(),
    });
  }

  listen(): void {
    const c = this.connection;
    c.onInitialize((p) => this.initialize(p));
    c.onInitialized(() => void this.guard('initialized', () => this.initialized()));
    c.onDidChangeConfiguration((p) => void this.guard('configuration', () => this.configurationChanged(p.settings)));
    c.onCodeAction((p) => this.codeActions(p));
    // Params come from the other process: typed by the message, checked as untrusted input all the same.
    c.onNotification(protocol.TerminalStarted, (p) => this.guardSync(() => this.terminalStarted(p)));
    c.onNotification(protocol.TerminalData, (p) => this.guardSync(() => this.runs.feed(`terminal:${p.id}`, String(p.data ?? ''))));
    c.onNotification(protocol.TerminalEnded, (p) => this.guardSync(() => this.streamEnded(`terminal:${p.id}`)));
    c.onNotification(protocol.NotebookCells, (p) => this.guardSync(() => this.notebookCells(p)));
    c.onNotification(protocol.NotebookOutput, (p) => this.guardSync(() => this.notebookOutput(p)));
    c.onNotification(protocol.NotebookEnded, (p) => this.guardSync(() => this.streamEnded(`cell:${p?.cell}`)));
    c.onRequest(protocol.StopTraining, (p) => this.stopper.stop(p, 'user'));
    c.onNotification(protocol.WatchLog, (p) => this.guardSync(() => this.watchLogByHand(p?.path)));
    c.onNotification(protocol.StopWatching, () => this.guardSync(() => this.stopWatching()));
    c.onNotification(protocol.TrustChanged, (p) => (this.trusted = p?.trusted === true));
    c.onRequest(protocol.Diagnose, (p, token) => handleDiagnose(this.diagnoseContext(), p ?? {}, token));
    c.onRequest(protocol.LastReport, () => this.report());
    c.onRequest(protocol.OnnxSnippet, () => this.onnxSnippet());
    // For editors without a NaN Doctor client: the same diagnosis through the standard command request.
    c.onExecuteCommand((p, token) => (p.command === protocol.diagnoseCommand ? handleDiagnose(this.diagnoseContext(), { probe: true, run: typeof p.arguments?.[0] === 'string' ? p.arguments[0] : undefined }, token) : null));
    this.documents.onDidChangeContent((e) => this.documentChanged(e.document.uri, 300));
    this.documents.onDidSave((e) => this.documentChanged(e.document.uri, 0, true));
    this.documents.onDidClose((e) => this.documentChanged(e.document.uri, 0));
    this.documents.listen(c);
    c.onShutdown(() => this.dispose());
    c.listen();
  }

  private initialize(p: InitializeParams): InitializeResult {
    const folders = p.workspaceFolders?.map((f) => fileURLToPath(f.uri)) ?? (p.rootUri ? [fileURLToPath(p.rootUri)] : p.rootPath ? [p.rootPath] : []);
    for (const root of folders) this.folders.set(root, { analysis: new FolderAnalysis(root, (abs) => this.openText(abs)), watcher: null });
    const options = (p.initializationOptions ?? {}) as { trusted?: unknown; settings?: unknown };
    this.trusted = options.trusted === true;
    if (options.settings) this.settings = readSettings(options.settings);
    this.pullConfiguration = p.capabilities.workspace?.configuration === true;
    this.dynamicConfiguration = p.capabilities.workspace?.didChangeConfiguration?.dynamicRegistration === true;
    this.workspaceFolderEvents = p.capabilities.workspace?.workspaceFolders === true;
    this.versionedEdits = p.capabilities.workspace?.workspaceEdit?.documentChanges === true;
    return {
      capabilities: {
        textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental, save: { includeText: false } },
        codeActionProvider: { codeActionKinds: ['quickfix'] },
        executeCommandProvider: { commands: [protocol.diagnoseCommand] },
        workspace: { workspaceFolders: { supported: true, changeNotifications: true } },
      },
      serverInfo: { name: 'NaN Doctor' },
    };
  }

  private dynamicConfiguration = false;
  private workspaceFolderEvents = false;
  private versionedEdits = false;

  private async initialized(): Promise<void> {
    if (this.dynamicConfiguration) void this.connection.client.register(DidChangeConfigurationNotification.type, { section: 'nanDoctor' });
    if (this.pullConfiguration) this.settings = readSettings(await this.connection.workspace.getConfiguration('nanDoctor'));
    if (this.workspaceFolderEvents) this.connection.workspace.onDidChangeWorkspaceFolders((e) => this.guardSync(() => this.foldersChanged(e)));
    this.startFolders();
    this.ready = true;
    this.sendStatus();
  }

  private async configurationChanged(pushed: unknown): Promise<void> {
    const fromPush = (pushed as { nanDoctor?: unknown } | null)?.nanDoctor;
    this.settings = this.pullConfiguration ? readSettings(await this.connection.workspace.getConfiguration('nanDoctor')) : readSettings(fromPush ?? {});
    if (this.paused) return;
    // Keep following the logs that still match, so their runs (and announced incidents) carry on.
    const before = new Set(this.runs.watchedLogs());
    for (const folder of this.folders.values()) folder.watcher?.close();
    const now = new Set(this.startFolders());
    for (const abs of before) if (!now.has(abs) && !this.manualLogs.has(abs)) this.runs.stopLog(abs);
    for (const root of this.folders.keys()) this.schedule(root, 0);
    this.sendStatus();
  }

  /** Walks and watches every workspace folder; returns the logs found there. */
  private startFolders(): string[] {
    return [...this.folders.keys()].flatMap((root) => this.startFolder(root));
  }

  private startFolder(root: string): string[] {
    const folder = this.folders.get(root);
    if (!folder) return [];
    folder.analysis.invalidate();
    folder.watcher?.close();
    folder.watcher = new FolderWatcher(
      root,
      trainingOutputMatcher(this.settings.logGlobs, this.settings.exclude),
      (abs) => this.addLog(root, abs, false),
      (m) => this.connection.console.warn(m),
      (abs) => this.fileChangedOnDisk(abs),
    );
    const found = folder.watcher.start();
    for (const abs of found) this.addLog(root, abs, false);
    return found;
  }

  private foldersChanged(e: WorkspaceFoldersChangeEvent): void {
    for (const f of e.removed) {
      const root = fileURLToPath(f.uri);
      this.folders.get(root)?.watcher?.close();
      for (const run of this.runs.all()) if (run.root === root && run.log && !this.manualLogs.has(run.log)) this.runs.stopLog(run.log);
      this.publisher.clear(root);
      this.folders.delete(root);
    }
    for (const f of e.added) {
      const root = fileURLToPath(f.uri);
      if (!this.folders.has(root)) this.folders.set(root, { analysis: new FolderAnalysis(root, (abs) => this.openText(abs)), watcher: null });
      if (!this.paused) this.startFolder(root);
    }
    this.sendStatus();
  }

  private stopFolders(): void {
    for (const folder of this.folders.values()) {
      folder.watcher?.close();
      folder.watcher = null;
    }
    for (const abs of this.runs.watchedLogs()) if (!this.manualLogs.has(abs)) this.runs.stopLog(abs);
  }

  private rootOf(abs: string): string {
    let best: string | null = null;
    for (const root of this.folders.keys()) if (within(root, abs) && (!best || root.length > best.length)) best = root;
    return best ?? dirname(abs);
  }

  private folder(root: string): FolderAnalysis {
    let f = this.folders.get(root);
    if (!f) {
      // A log or terminal outside the workspace folders gets a folder of its own, without a watcher.
      f = { analysis: new FolderAnalysis(root, (abs) => this.openText(abs)), watcher: null };
      this.folders.set(root, f);
    }
    return f.analysis;
  }

  private addLog(root: string, abs: string, byHand: boolean): void {
    if (this.runs.isWatching(abs)) return;
    // A notebook open in the editor is read live, cell by cell, through the notebook API: not from disk as well.
    if (!byHand && /\.ipynb$/i.test(abs) && this.notebooks.has(abs)) return;
    const binary = binaryReason(abs);
    if (binary) {
      this.connection.console.warn(`${abs}: not followed: ${binary}`);
      return;
    }
    const analysis = this.folder(root);
    analysis.invalidate();
    this.runs.watchLog(abs, root, analysis.display(abs));
    if (byHand) this.manualLogs.add(abs);
    this.connection.console.info(`following ${abs}`);
    this.sendStatus();
  }

  private watchLogByHand(path: string): void {
    if (typeof path !== 'string' || !path) throw new Error('nanDoctor/watchLog needs a path');
    if (!existsSync(path)) this.connection.console.warn(`${path}: does not exist yet; following it until it appears`);
    this.paused = false;
    this.addLog(this.rootOf(path), path, true);
  }

  private stopWatching(): void {
    this.paused = true;
    this.stopFolders();
    this.runs.stopAll();
    this.manualLogs.clear();
    this.incidents.clear();
    this.publisher.clear();
    this.connection.console.info('stopped watching');
    this.sendStatus();
  }

  private terminalStarted(p: protocol.TerminalStartedParams): void {
    if (!this.settings.watchTerminals) return;
    const cwd = typeof p.cwd === 'string' && p.cwd ? p.cwd : undefined;
    const root = cwd ? this.rootOf(cwd) : ([...this.folders.keys()][0] ?? process.cwd());
    const command = String(p.commandLine ?? '');
    // NaN Doctor's own report quotes NaN lines; a task shows it through the $nan-doctor problem matcher instead.
    if (/(^|[\s/])nan-doctor(\s|$)/.test(command)) return;
    const name = `terminal: ${command}`.slice(0, 200);
    this.folder(root);
    this.runs.startTerminal(String(p.id), root, name, command, typeof p.task === 'string' && p.task ? p.task : undefined);
    this.sendStatus();
  }

  private streamEnded(id: string): void {
    this.runs.end(id);
    this.sendStatus();
  }

  private notebookCells(p: protocol.NotebookCellsParams): void {
    if (typeof p?.notebook !== 'string' || !p.notebook) throw new Error('nanDoctor/notebookCells needs a notebook path');
    const opened = !this.notebooks.has(p.notebook);
    if (!this.notebooks.update(p.notebook, p.cells)) return;
    // Opened in the editor: its saved outputs on disk are no longer followed (the live cells are read instead).
    if (opened && this.runs.isWatching(p.notebook) && !this.manualLogs.has(p.notebook)) {
      this.runs.stopLog(p.notebook);
      this.sendStatus();
    }
    for (const [root, f] of this.folders) if (f.analysis.reads(p.notebook)) this.schedule(root, 300);
  }

  /** A running cell printed: its outputs are read as training output, its notebook's code as the training script. */
  private notebookOutput(p: protocol.NotebookOutputParams): void {
    const cell = p?.cell;
    if (typeof p?.notebook !== 'string' || !p.notebook || !cell || typeof cell.uri !== 'string' || !Number.isInteger(cell.index)) throw new Error('nanDoctor/notebookOutput needs a notebook path and a cell');
    if (!this.settings.watchNotebooks) return;
    const op = p.op === 'redraw' || p.op === 'reset' ? p.op : 'append';
    const text = String(p.text ?? '');
    const root = this.rootOf(p.notebook);
    if (this.notebooks.updateCell(p.notebook, cell)) this.folder(root).invalidate();
    const run = this.runs.startCell(cell.uri, root, `${this.folder(root).display(p.notebook)} cell ${cell.index + 1}`, { path: p.notebook, cell: cell.index + 1 });
    this.runs.feed(run.id, deltaBytes({ op, text }), op === 'reset');
  }

  private openText(abs: string): { text: string; version: number } | undefined {
    const notebook = this.notebooks.text(abs);
    if (notebook) return notebook;
    for (const d of this.documents.all()) {
      if (d.uri.startsWith('file:') && fileURLToPath(d.uri) === abs) return { text: d.getText(), version: d.version };
    }
    return undefined;
  }

  private documentChanged(uri: string, delay: number, saved = false): void {
    if (!uri.startsWith('file:')) return;
    const abs = fileURLToPath(uri);
    for (const [root, f] of this.folders) {
      if (f.analysis.reads(abs)) this.schedule(root, delay);
      else if (saved && within(root, abs)) {
        // A saved file may be a config the runs use that discovery did not know yet.
        f.analysis.invalidate();
        if (this.runs.all().some((r) => r.root === root && r.incidentAt !== undefined)) this.schedule(root, delay);
      }
    }
  }

  /** A config or script changed outside the editor (git checkout, vim, sed, a generator): the editor's copy wins while open. */
  private fileChangedOnDisk(abs: string): void {
    const readers = [...this.folders].filter(([, f]) => f.analysis.reads(abs));
    // Checked second: most files written during training (checkpoints, samples) are read by no analysis.
    if (readers.length === 0 || this.openText(abs)) return;
    for (const [root] of readers) this.schedule(root, 300);
  }

  /** Quick fixes only from diagnostics computed for the document as the editor has it now. */
  private async codeActions(p: CodeActionParams): Promise<CodeAction[]> {
    const uri = p.textDocument.uri;
    const abs = uri.startsWith('file:') ? fileURLToPath(uri) : null;
    // Only files the analysis reads (configs, scripts) have versions; a log's diagnostics come from the follower.
    const readers = abs ? [...this.folders].filter(([, f]) => f.analysis.reads(abs)).map(([root]) => root) : [];
    const doc = readers.length > 0 ? this.documents.get(uri) : undefined;
    const options = () => ({ version: doc ? (this.documents.get(uri)?.version ?? null) : null, versionedEdits: this.versionedEdits });
    const published = this.publisher.at(uri);
    if (doc && published.some((pub) => versionOf(pub) !== doc.version)) {
      await Promise.all(readers.map((root) => this.scheduler.now(root)));
      return codeActions(p, this.publisher.at(uri), options());
    }
    return codeActions(p, published, options());
  }

  private schedule(root: string, delay: number): void {
    this.scheduler.schedule(root, delay);
  }

  private async analyzeFolder(root: string): Promise<void> {
    const analysis = this.folder(root);
    const runs = this.runs.all().filter((r) => r.root === root);
    let diagnostics: NanDiagnostic[] = [];
    let versions: ReadonlyMap<string, number> = new Map();
    try {
      const result = await analysis.run(
        runs.map((r) => r.scan()),
        runs.flatMap((r) => (r.log ? [r.log] : [])),
        // A notebook run's script is its own notebook.
        runs.flatMap((r) => (r.notebook && r.incidentAt !== undefined ? [r.notebook.path] : [])),
      );
      diagnostics = result.diagnostics;
      versions = result.versions;
      for (const n of result.notes) this.connection.console.log(n);
      // Report each file error once, not on every re-analysis.
      const errors = new Set(result.errors);
      for (const e of errors) if (!this.reportedErrors.has(e)) this.connection.console.warn(e);
      this.reportedErrors = errors;
    } catch (e) {
      this.connection.console.error(`analysis of ${root} failed: ${(e as Error).stack ?? e}`);
      return;
    }
    const place = this.placeIn(root);
    this.publisher.publish(root, diagnostics, place, versions);
    for (const run of runs) {
      const incident = run.incidentAt !== undefined ? run.scan().incident : null;
      if (!incident || this.incidents.has(run)) continue;
      // Only what the Problems panel shows (a terminal run's own line has no document).
      const count = diagnostics.filter((d) => place(d.file, d.cell) && (d.related.some((r) => r.file === run.name) || d.file === run.name)).length;
      this.incidents.set(run, { diagnostics: count });
      const params = incidentParams(run, incident, count, this.trusted);
      if (stopsByItself(run, this.settings, this.trusted)) {
        params.stop = null; // stopping by itself: nothing for the user to click
        void this.stopByItself(run);
      }
      void this.connection.sendNotification(protocol.Incident, params);
    }
    this.sendStatus();
  }

  /** `nanDoctor.onNonFinite: stop`: stop the run now, then tell the user what was stopped and why. */
  private async stopByItself(run: Run): Promise<void> {
    const r = await this.stopper.stop({ run: run.id }, 'setting');
    if (r.outcome === 'stopped') void this.connection.sendNotification(protocol.Stopped, r.stopped);
    else if (r.outcome === 'refused') this.connection.console.warn(`nanDoctor.onNonFinite is "stop", but ${run.name} was not stopped: ${r.message}`);
  }

  /** Where this folder's diagnostics are shown: files, notebook cells, and a notebook run's cell for its own output lines. */
  private placeIn(root: string): Place {
    const streams = this.runs.all().filter((r) => r.root === root && r.kind !== 'log');
    return (file, cell) => {
      const run = streams.find((r) => r.name === file);
      if (run?.notebook) return { uri: run.notebook.uri, line: this.notebooks.outputLine(run.notebook.path, run.notebook.cell) };
      if (run) return null;
      if (cell !== undefined) {
        const abs = this.folder(root).absolute(file);
        const uri = this.notebooks.cellUri(abs, cell);
        return uri ? { uri } : null;
      }
      return { uri: uriOf(root, file) };
    };
  }

  private diagnoseContext(): DiagnoseContext {
    return {
      connection: this.connection,
      runs: this.runs,
      settings: this.settings,
      trusted: this.trusted,
      folder: (root) => this.folder(root),
      firstRoot: [...this.folders.keys()][0] ?? null,
      afterNaN: (run) => (run.incidentAt !== undefined ? afterNaN(run) : undefined),
      published: (root, ds) => {
        this.publisher.markVerified(ds);
        this.schedule(root, 0);
      },
      setReport: (r) => (this.lastReport = r),
    };
  }

  /** The export lines for the training script of the run with the latest incident (else any run, else the first folder). */
  private async onnxSnippet(): Promise<protocol.OnnxSnippetResponse> {
    const run = this.runs.latestIncident() ?? this.runs.all()[0];
    const root = run?.root ?? [...this.folders.keys()][0];
    if (!root) return onnxExportSnippet([]);
    const analysis = this.folder(root);
    const { files } = await analysis.files(run ? [run.scan()] : [], run?.log ? [run.log] : [], run?.notebook ? [run.notebook.path] : []);
    return onnxExportSnippet(files, (f) => analysis.textOf(f));
  }

  private async report(): Promise<protocol.LastReportResponse> {
    if (!this.lastReport) return { report: null, html: null };
    try {
      const { renderReportHtml } = await import('../probe/report/html.ts');
      return { report: this.lastReport, html: renderReportHtml(this.lastReport) };
    } catch (e) {
      this.connection.console.error(`report page failed: ${(e as Error).message}`);
      return { report: this.lastReport, html: null };
    }
  }

  private sendStatus(): void {
    if (this.statusTimer) return;
    this.statusTimer = setTimeout(() => {
      this.statusTimer = null;
      // Runs no longer followed (settings, removed folders) take their incidents with them.
      const live = new Set(this.runs.all());
      for (const run of this.incidents.keys()) if (!live.has(run)) this.incidents.delete(run);
      const incidents: protocol.IncidentParams[] = [];
      for (const [run, { diagnostics }] of this.incidents) {
        const incident = run.scan().incident;
        if (incident) incidents.push(incidentParams(run, incident, diagnostics, this.trusted));
      }
      const params: protocol.StatusParams = { logs: this.runs.watchedLogs(), terminals: this.runs.activeTerminals(), incidents, ready: this.ready };
      void this.connection.sendNotification(protocol.Status, params);
      this.tick(incidents.some((i) => i.running));
    }, 20);
  }

  private tick(running: boolean): void {
    if (!running || this.tickTimer) return;
    this.tickTimer = setTimeout(() => {
      this.tickTimer = null;
      this.sendStatus();
    }, 1000);
  }

  /** Bad input (a malformed message, a file that vanished) is logged, never fatal. */
  private guardSync(fn: () => void): void {
    try {
      fn();
    } catch (e) {
      this.connection.console.error((e as Error).message);
    }
  }

  private async guard(what: string, fn: () => Promise<void>): Promise<void> {
    try {
      await fn();
    } catch (e) {
      this.connection.console.error(`${what}: ${(e as Error).stack ?? e}`);
    }
  }

  private dispose(): void {
    if (this.tickTimer) clearTimeout(this.tickTimer);
    this.stopFolders();
    this.runs.stopAll();
    this.scheduler.dispose();
  }
}
