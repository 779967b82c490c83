// Forwards what only the editor sees: commands run in terminals with shell integration, and their output.
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import * as protocol from '../server/protocol.ts';

// The shell-execution API is stable since VS Code 1.93; the declared engine is older, so it is typed here and feature-detected.
interface ShellExecution {
  readonly commandLine: { readonly value: string };
  readonly cwd: vscode.Uri | undefined;
  read(): AsyncIterable<string>;
}
interface ShellExecutionStart {
  readonly terminal: vscode.Terminal;
  readonly execution: ShellExecution;
}
interface ShellExecutionEnd {
  readonly terminal: vscode.Terminal;
  readonly execution: ShellExecution;
  readonly exitCode: number | undefined;
}
interface ShellWindow {
  onDidStartTerminalShellExecution?: vscode.Event<ShellExecutionStart>;
  onDidEndTerminalShellExecution?: vscode.Event<ShellExecutionEnd>;
}

export class TerminalForwarder implements vscode.Disposable {
  /** Exit codes of ended commands, waited for by the reader (the output stream may finish first). */
  private readonly exits = new Map<ShellExecution, (code: number | undefined) => void>();
  /** Which terminal ran each forwarded command, to show it for "Open log". */
  readonly terminals = new Map<string, vscode.Terminal>();
  private readonly disposables: vscode.Disposable[] = [];
  private next = 0;
  readonly available: boolean;

  constructor(
    private readonly client: LanguageClient,
    private readonly log: vscode.LogOutputChannel,
  ) {
    const w = vscode.window as unknown as ShellWindow;
    this.available = !!w.onDidStartTerminalShellExecution && !!w.onDidEndTerminalShellExecution;
    if (!this.available) {
      log.warn('This VS Code has no terminal shell-execution API (1.93+); terminal output is not watched.');
      return;
    }
    this.disposables.push(w.onDidStartTerminalShellExecution!((e) => void this.started(e)));
    this.disposables.push(w.onDidEndTerminalShellExecution!((e) => this.ended(e)));
  }

  private async started(e: ShellExecutionStart): Promise<void> {
    if (!vscode.workspace.getConfiguration('nanDoctor').get<boolean>('watchTerminals', true)) return;
    const id = `t${++this.next}`;
    const exited = new Promise<number | undefined>((resolve) => this.exits.set(e.execution, resolve));
    this.terminals.set(id, e.terminal);
    const params: protocol.TerminalStartedParams = { id, commandLine: e.execution.commandLine.value, cwd: e.execution.cwd?.fsPath, name: e.terminal.name };
    await this.client.sendNotification(protocol.terminalStarted, params);
    try {
      for await (const data of e.execution.read()) await this.client.sendNotification(protocol.terminalData, { id, data } satisfies protocol.TerminalDataParams);
    } catch (err) {
      this.log.warn(`terminal output of "${params.commandLine}" stopped: ${(err as Error).message}`);
    }
    // Ended goes after the last output chunk, so the server sees the whole run before closing it.
    const exitCode = await Promise.race([exited, new Promise<undefined>((r) => setTimeout(() => r(undefined), 2000))]);
    this.exits.delete(e.execution);
    await this.client.sendNotification(protocol.terminalEnded, { id, exitCode } satisfies protocol.TerminalEndedParams);
  }

  private ended(e: ShellExecutionEnd): void {
    this.exits.get(e.execution)?.(e.exitCode);
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
