// A small LSP client for tests and the benchmark: starts the real server process (dist/server.js)
// and speaks JSON-RPC to it over stdio. Waits on notifications, never on sleeps.
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';

export const repo = resolve(__dirname, '../..');
export const serverPath = join(repo, 'dist/server.js');

export interface Diagnostic {
  range: { start: { line: number; character: number }; end: { line: number; character: number } };
  severity?: number;
  code?: string | number;
  source?: string;
  message: string;
  relatedInformation?: { location: { uri: string; range: unknown }; message: string }[];
  data?: unknown;
}

export interface Notification {
  method: string;
  params: unknown;
}

type Waiter = { test: (n: Notification) => boolean; resolve: (n: Notification) => void };

export class LspClient {
  readonly notifications: Notification[] = [];
  /** Latest diagnostics per URI. */
  readonly diagnostics = new Map<string, Diagnostic[]>();
  private waiters: Waiter[] = [];
  stderr = '';
  exited: number | null = null;
  /** How the client answers the server's `nanDoctor/interrupt` (the editor's Ctrl+C / task / cell interrupt); recorded as a notification too. */
  interrupt: (params: { run: string; how: string }) => { done: boolean; message: string } = () => ({ done: true, message: 'interrupted' });

  private constructor(
    readonly process: ChildProcess,
    readonly connection: MessageConnection,
    public settings: Record<string, unknown>,
  ) {}

  /** `versionedEdits`: the client says it applies versioned `documentChanges` (as VS Code does). */
  static async start(root: string, settings: Record<string, unknown> = {}, trusted = true, options: { versionedEdits?: boolean } = {}): Promise<LspClient> {
    if (!existsSync(serverPath)) throw new Error(`${serverPath} is missing: run npm run build first`);
    const child = spawn(process.execPath, [serverPath, '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'] });
    const connection = createMessageConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
    const client = new LspClient(child, connection, settings);
    child.stderr!.on('data', (d) => (client.stderr += d));
    child.on('exit', (code) => (client.exited = code ?? -1));
    connection.onNotification((method, params) => client.record({ method, params }));
    // jsonrpc routes $/progress to token handlers, not to the catch-all notification handler.
    connection.onUnhandledProgress((params) => client.record({ method: '$/progress', params }));
    connection.onRequest('workspace/configuration', (p: { items: { section?: string }[] }) => p.items.map((i) => (i.section === 'nanDoctor' ? client.settings : null)));
    connection.onRequest('client/registerCapability', () => null);
    connection.onRequest('nanDoctor/interrupt', (params: { run: string; how: string }) => {
      client.record({ method: 'nanDoctor/interrupt', params });
      return client.interrupt(params);
    });
    connection.onRequest('window/workDoneProgress/create', (params) => {
      client.record({ method: 'window/workDoneProgress/create', params });
      return null;
    });
    connection.listen();
    await connection.sendRequest('initialize', {
      processId: process.pid,
      rootUri: pathToFileURL(root).href,
      workspaceFolders: [{ uri: pathToFileURL(root).href, name: 'ws' }],
      capabilities: { workspace: { configuration: true, workspaceFolders: true, workspaceEdit: { documentChanges: options.versionedEdits === true } }, window: { workDoneProgress: true }, textDocument: { publishDiagnostics: { relatedInformation: true } } },
      initializationOptions: { trusted },
    });
    await connection.sendNotification('initialized', {});
    await client.waitFor((n) => n.method === 'nanDoctor/status' && (n.params as { ready: boolean }).ready);
    return client;
  }

  private record(n: Notification): void {
    this.notifications.push(n);
    if (n.method === 'textDocument/publishDiagnostics') {
      const p = n.params as { uri: string; diagnostics: Diagnostic[] };
      this.diagnostics.set(p.uri, p.diagnostics);
    }
    this.waiters = this.waiters.filter((w) => {
      if (!w.test(n)) return true;
      w.resolve(n);
      return false;
    });
  }

  /** The next notification that passes the test: from now on, or already received (all when `past`, from index `since`). */
  waitFor(test: (n: Notification) => boolean, opts: { past?: boolean; since?: number; what?: string; timeoutMs?: number } = {}): Promise<Notification> {
    if (opts.past || opts.since !== undefined) {
      const seen = this.notifications.slice(opts.since ?? 0).find(test);
      if (seen) return Promise.resolve(seen);
    }
    return new Promise((resolvePromise, reject) => {
      // A generous guard so a broken server fails the test instead of hanging it; not a timing assertion.
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${opts.what ?? 'a notification'}; server stderr: ${this.stderr.slice(-2000)}; log: ${this.logMessages().slice(-10).join(' | ')}`)), opts.timeoutMs ?? 30000);
      this.waiters.push({
        test,
        resolve: (n) => {
          clearTimeout(timer);
          resolvePromise(n);
        },
      });
    });
  }

  /** The next diagnostics published for `uri` that pass the test (or the current ones, if they already do). */
  async diagnosticsFor(uri: string, test: (ds: Diagnostic[]) => boolean, what: string): Promise<Diagnostic[]> {
    const now = this.diagnostics.get(uri);
    if (now && test(now)) return now;
    const n = await this.waitFor((x) => x.method === 'textDocument/publishDiagnostics' && (x.params as { uri: string }).uri === uri && test((x.params as { diagnostics: Diagnostic[] }).diagnostics), { what });
    return (n.params as { diagnostics: Diagnostic[] }).diagnostics;
  }

  logMessages(): string[] {
    return this.notifications.filter((n) => n.method === 'window/logMessage').map((n) => (n.params as { message: string }).message);
  }

  async stop(): Promise<void> {
    if (this.exited === null) {
      try {
        await this.connection.sendRequest('shutdown');
        await this.connection.sendNotification('exit');
      } catch {
        // already gone
      }
    }
    await new Promise<void>((r) => (this.exited !== null ? r() : this.process.once('exit', () => r())));
    this.connection.dispose();
  }
}

/** A temp copy of an example workspace (never the example itself). */
export function copyExample(name = 'hallo-stage1'): string {
  const dir = mkdtempSync(join(tmpdir(), `nan-doctor-lsp-${name}-`));
  cpSync(join(repo, 'examples', name), dir, { recursive: true });
  return dir;
}

export const uri = (path: string): string => pathToFileURL(path).href;
