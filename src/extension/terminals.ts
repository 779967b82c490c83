// Forwards what only the editor sees: commands run in terminals with shell integration, and their output;
// and interrupts one of them (Ctrl+C, or terminating its task) when the server asks.
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import * as protocol from '../protocol/messages.ts';
import type { TaskProcesses } from './tasks.ts';

interface Command {
  terminal: vscode.Terminal;
  execution: vscode.TerminalShellExecution;
  commandLine: string;
  task?: vscode.TaskExecution;
  ended: boolean;
}

export class TerminalForwarder implements vscode.Disposable {
  /** Exit codes of ended commands, waited for by the reader (the output stream may finish first). */
  private readonly exits = new Map<vscode.TerminalShellExecution, (code: number | undefined) => void>();
  /** Each forwarded command by its id: the terminal that runs it, and whether it still runs. */
  private readonly commands = new Map<string, Command>();
  private readonly disposables: vscode.Disposable[] = [];
  private next = 0;

  constructor(
    private readonly client: LanguageClient,
    private readonly log: vscode.LogOutputChannel,
    private readonly tasks: TaskProcesses,
  ) {
    this.disposables.push(vscode.window.onDidStartTerminalShellExecution((e) => void this.started(e)));
    this.disposables.push(vscode.window.onDidEndTerminalShellExecution((e) => this.ended(e)));
  }

  /** The terminal of a forwarded command (`terminal:ID` or `ID`), to show it. */
  terminalOf(run: string): vscode.Terminal | undefined {
    return this.commands.get(run.replace(/^terminal:/, ''))?.terminal;
  }

  lastTerminal(): vscode.Terminal | undefined {
    return [...this.commands.values()].pop()?.terminal;
  }

  /** A task's command: its task terminated; any other: Ctrl+C, as the user would type it. Only while it still runs. */
  async interrupt(run: string): Promise<protocol.InterruptResponse> {
    const c = this.commands.get(run.replace(/^terminal:/, ''));
    if (!c) return { done: false, message: 'That terminal command is no longer known to the editor.' };
    if (c.ended) return { done: false, message: `"${c.commandLine}" has already ended.` };
    // The task may have been told only after its command started: look again.
    const task = c.task ?? (await this.tasks.taskOf(c.terminal));
    if (task && vscode.tasks.taskExecutions.includes(task)) {
      task.terminate();
      return { done: true, message: `Terminated the task "${task.task.name}"` };
    }
    c.terminal.sendText('\u0003', false);
    return { done: true, message: `Sent Ctrl+C to "${c.commandLine}" in the terminal "${c.terminal.name}"` };
  }

  private async started(e: vscode.TerminalShellExecutionStartEvent): Promise<void> {
    if (!vscode.workspace.getConfiguration('nanDoctor').get<boolean>('watchTerminals', true)) return;
    const id = `t${++this.next}`;
    // Read from the start: the stream holds only what is written after the first read() call.
    const stream = e.execution.read();
    const exited = new Promise<number | undefined>((resolve) => this.exits.set(e.execution, resolve));
    const task = await this.tasks.taskOf(e.terminal);
    const command: Command = { terminal: e.terminal, execution: e.execution, commandLine: e.execution.commandLine.value, task, ended: false };
    this.commands.set(id, command);
    const params: protocol.TerminalStartedParams = { id, commandLine: command.commandLine, cwd: e.execution.cwd?.fsPath, name: e.terminal.name, task: task?.task.name };
    await this.client.sendNotification(protocol.TerminalStarted, params);
    try {
      for await (const data of stream) await this.client.sendNotification(protocol.TerminalData, { id, data });
    } catch (err) {
      this.log.warn(`terminal output of "${params.commandLine}" stopped: ${(err as Error).message}`);
    }
    // Ended goes after the last output chunk, so the server sees the whole run before closing it.
    const exitCode = await Promise.race([exited, new Promise<undefined>((r) => setTimeout(() => r(undefined), 2000))]);
    this.exits.delete(e.execution);
    command.ended = true;
    await this.client.sendNotification(protocol.TerminalEnded, { id, exitCode });
  }

  private ended(e: vscode.TerminalShellExecutionEndEvent): void {
    for (const c of this.commands.values()) if (c.execution === e.execution) c.ended = true;
    this.exits.get(e.execution)?.(e.exitCode);
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
