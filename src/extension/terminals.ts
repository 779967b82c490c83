// Forwards what only the editor sees: commands run in terminals with shell integration, and their output.
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import * as protocol from '../protocol/messages.ts';

export class TerminalForwarder implements vscode.Disposable {
  /** Exit codes of ended commands, waited for by the reader (the output stream may finish first). */
  private readonly exits = new Map<vscode.TerminalShellExecution, (code: number | undefined) => void>();
  /** Which terminal ran each forwarded command, to show it for "Open log". */
  readonly terminals = new Map<string, vscode.Terminal>();
  private readonly disposables: vscode.Disposable[] = [];
  private next = 0;

  constructor(
    private readonly client: LanguageClient,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.disposables.push(vscode.window.onDidStartTerminalShellExecution((e) => void this.started(e)));
    this.disposables.push(vscode.window.onDidEndTerminalShellExecution((e) => this.ended(e)));
  }

  private async started(e: vscode.TerminalShellExecutionStartEvent): Promise<void> {
    if (!vscode.workspace.getConfiguration('nanDoctor').get<boolean>('watchTerminals', true)) return;
    const id = `t${++this.next}`;
    const exited = new Promise<number | undefined>((resolve) => this.exits.set(e.execution, resolve));
    this.terminals.set(id, e.terminal);
    const params: protocol.TerminalStartedParams = { id, commandLine: e.execution.commandLine.value, cwd: e.execution.cwd?.fsPath, name: e.terminal.name };
    await this.client.sendNotification(protocol.TerminalStarted, params);
    try {
      for await (const data of e.execution.read()) await this.client.sendNotification(protocol.TerminalData, { id, data });
    } catch (err) {
      this.log.warn(`terminal output of "${params.commandLine}" stopped: ${(err as Error).message}`);
    }
    // Ended goes after the last output chunk, so the server sees the whole run before closing it.
    const exitCode = await Promise.race([exited, new Promise<undefined>((r) => setTimeout(() => r(undefined), 2000))]);
    this.exits.delete(e.execution);
    await this.client.sendNotification(protocol.TerminalEnded, { id, exitCode });
  }

  private ended(e: vscode.TerminalShellExecutionEndEvent): void {
    this.exits.get(e.execution)?.(e.exitCode);
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
