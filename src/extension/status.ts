// The status bar item: what is watched, or where the run went non-finite; a click runs "Diagnose NaN".
import * as vscode from 'vscode';
import type { IncidentParams, StatusParams } from '../protocol/messages.ts';

const label: Record<IncidentParams['value'], string> = { nan: 'NaN', inf: 'Inf', '-inf': '-Inf', overflow: 'Overflow', error: 'Non-finite error' };

export function incidentText(i: IncidentParams): string {
  return `${label[i.value] ?? 'NaN'} ${i.step !== null ? `at step ${i.step}` : `at line ${i.line}`}`;
}

export class StatusItem implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('nanDoctor.status', vscode.StatusBarAlignment.Left, 10);

  constructor() {
    this.item.name = 'NaN Doctor';
    this.item.command = 'nanDoctor.diagnose';
    this.item.text = '$(loading~spin) NaN Doctor';
    this.item.tooltip = 'NaN Doctor is starting';
    this.item.show();
  }

  update(s: StatusParams): void {
    const latest = s.incidents[s.incidents.length - 1];
    const watched = `watching ${s.logs.length} log${s.logs.length === 1 ? '' : 's'}${s.terminals ? ` and ${s.terminals} terminal command${s.terminals === 1 ? '' : 's'}` : ''}`;
    if (latest) {
      this.item.text = `$(error) ${incidentText(latest)}`;
      this.item.tooltip = `NaN Doctor: ${latest.run} went non-finite (${latest.metric ?? latest.value}) at line ${latest.line}; ${watched}. Click to Diagnose NaN.`;
      this.item.backgroundColor = new vscode.ThemeColor('statusBarItem.errorBackground');
    } else {
      this.item.text = `$(pulse) NaN Doctor: ${watched}`;
      this.item.tooltip = s.logs.length ? `Following:\n${s.logs.join('\n')}` : 'No training logs found yet; use "Watch Log File…" or run training in a terminal.';
      this.item.backgroundColor = undefined;
    }
  }

  failed(reason: string): void {
    this.item.text = '$(warning) NaN Doctor: not running';
    this.item.tooltip = `The NaN Doctor language server did not start: ${reason}. See the NaN Doctor output.`;
    this.item.command = 'nanDoctor.showOutput';
  }

  dispose(): void {
    this.item.dispose();
  }
}
