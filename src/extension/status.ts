// The status bar: what is watched, or where the run went non-finite and how long it kept going after
// (a click runs "Diagnose NaN"); beside it, "Stop training" while the run can be stopped.
import * as vscode from 'vscode';
import type { AfterNaN, IncidentParams, StatusParams } from '../protocol/messages.ts';

const label: Record<IncidentParams['value'], string> = { nan: 'NaN', inf: 'Inf', '-inf': '-Inf', overflow: 'Overflow', error: 'Non-finite error' };

export function incidentText(i: IncidentParams): string {
  return `${label[i.value] ?? 'NaN'} ${i.step !== null ? `at step ${i.step}` : `at line ${i.line}`}`;
}

export function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

/** How long the run kept going after its first NaN, in words (the status bar's tooltip, the diagnosis summary). */
export function keptGoing(a: Pick<AfterNaN, 'keptGoingMs' | 'running' | 'stopped'>): string {
  if (a.stopped) return `it kept going ${duration(a.keptGoingMs)} after its first NaN, until NaN Doctor stopped it`;
  if (a.running) return `it has kept going ${duration(a.keptGoingMs)} since its first NaN and is still running`;
  return `it kept going ${duration(a.keptGoingMs)} after its first NaN`;
}

const shortKeptGoing = (i: IncidentParams) => (i.stopped ? `stopped after ${duration(i.keptGoingMs)}` : i.running ? `+${duration(i.keptGoingMs)} and running` : `ran ${duration(i.keptGoingMs)} past it`);

export class StatusItem implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('nanDoctor.status', vscode.StatusBarAlignment.Left, 10);
  private readonly stop = vscode.window.createStatusBarItem('nanDoctor.stop', vscode.StatusBarAlignment.Left, 9);

  constructor() {
    this.item.name = 'NaN Doctor';
    this.item.command = 'nanDoctor.diagnose';
    this.item.text = '$(loading~spin) NaN Doctor';
    this.item.tooltip = 'NaN Doctor is starting';
    this.item.show();
    this.stop.name = 'NaN Doctor: Stop training';
    this.stop.text = '$(debug-stop) Stop training';
    this.stop.backgroundColor = new vscode.ThemeColor('statusBarItem.errorBackground');
  }

  update(s: StatusParams): void {
    const latest = s.incidents[s.incidents.length - 1];
    const watched = `watching ${s.logs.length} log${s.logs.length === 1 ? '' : 's'}${s.terminals ? ` and ${s.terminals} terminal command${s.terminals === 1 ? '' : 's'}` : ''}`;
    if (latest) {
      this.item.text = `$(error) ${incidentText(latest)} · ${shortKeptGoing(latest)}`;
      this.item.tooltip = `NaN Doctor: ${latest.run} went non-finite (${latest.metric ?? latest.value}) at line ${latest.line}; ${keptGoing(latest)}. ${latest.stopped ? `${latest.stopped.message} ` : ''}Click to Diagnose NaN. (${watched})`;
      this.item.backgroundColor = new vscode.ThemeColor('statusBarItem.errorBackground');
    } else {
      this.item.text = `$(pulse) NaN Doctor: ${watched}`;
      this.item.tooltip = s.logs.length ? `Following:\n${s.logs.join('\n')}` : 'No training logs found yet; use "Watch Log File…" or run training in a terminal.';
      this.item.backgroundColor = undefined;
    }
    // Offered while there is something to stop: a command or cell still running, or a log's writer to look for.
    if (latest?.stop && (latest.running || latest.stop === 'process')) {
      this.stop.command = { title: 'Stop training', command: 'nanDoctor.stopTraining', arguments: [latest.id] };
      this.stop.tooltip = `Stop ${latest.run} (${latest.stop === 'process' ? 'SIGINT to the process writing the log, after you confirm' : latest.stop === 'task' ? 'terminate its task' : latest.stop === 'notebook' ? "interrupt the cell's execution" : 'Ctrl+C in its terminal'})`;
      this.stop.show();
    } else this.stop.hide();
  }

  failed(reason: string): void {
    this.item.text = '$(warning) NaN Doctor: not running';
    this.item.tooltip = `The NaN Doctor language server did not start: ${reason}. See the NaN Doctor output.`;
    this.item.command = 'nanDoctor.showOutput';
  }

  dispose(): void {
    this.item.dispose();
    this.stop.dispose();
  }
}
