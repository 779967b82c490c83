// Which task runs in a terminal: a task's process id is its terminal's process id; failing that, a running task
// named as the terminal is (the API links them no other way).
import * as vscode from 'vscode';

export class TaskProcesses implements vscode.Disposable {
  private readonly byPid = new Map<number, vscode.TaskExecution>();
  private readonly disposables: vscode.Disposable[] = [];

  constructor() {
    this.disposables.push(vscode.tasks.onDidStartTaskProcess((e) => e.processId !== undefined && this.byPid.set(e.processId, e.execution)));
    this.disposables.push(
      vscode.tasks.onDidEndTaskProcess((e) => {
        for (const [pid, execution] of this.byPid) if (execution === e.execution) this.byPid.delete(pid);
      }),
    );
  }

  async taskOf(terminal: vscode.Terminal): Promise<vscode.TaskExecution | undefined> {
    const pid = await Promise.race([Promise.resolve(terminal.processId).catch(() => undefined), new Promise<undefined>((r) => setTimeout(() => r(undefined), 1000))]);
    const byPid = pid === undefined ? undefined : this.byPid.get(pid);
    if (byPid) return byPid;
    const named = vscode.tasks.taskExecutions.filter((t) => t.task.name === terminal.name);
    return named.length === 1 ? named[0] : undefined;
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
