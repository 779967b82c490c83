// The palette commands (category "NaN Doctor"); each one is a request or notification to the server.
import { randomUUID } from 'node:crypto';
import * as vscode from 'vscode';
import { WorkDoneProgress, type LanguageClient, type WorkDoneProgressBegin, type WorkDoneProgressReport } from 'vscode-languageclient/node';
import * as protocol from '../protocol/messages.ts';
import { showReport } from './report-panel.ts';
import { keptGoing } from './status.ts';

export function registerCommands(client: LanguageClient, log: vscode.LogOutputChannel): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand('nanDoctor.diagnose', (run?: string) => diagnose(client, log, typeof run === 'string' ? run : undefined)),
    vscode.commands.registerCommand('nanDoctor.watchLogFile', () => watchLogFile(client)),
    vscode.commands.registerCommand('nanDoctor.stopWatching', () => client.sendNotification(protocol.StopWatching)),
    vscode.commands.registerCommand('nanDoctor.showReport', () => report(client)),
  ];
}

async function diagnose(client: LanguageClient, log: vscode.LogOutputChannel, run?: string): Promise<void> {
  let result: protocol.DiagnoseResponse | undefined;
  try {
    result = await runDiagnose(client, run);
  } catch (e) {
    if (e instanceof vscode.CancellationError) return;
    log.error(`Diagnose NaN failed: ${(e as Error).message}`);
    void vscode.window.showErrorMessage(`NaN Doctor: Diagnose NaN failed: ${(e as Error).message}`);
    return;
  }
  if (!result || result.notes.includes('Cancelled.')) return;
  await summarize(client, log, result);
}

function runDiagnose(client: LanguageClient, run?: string): Thenable<protocol.DiagnoseResponse> {
  return vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: 'Diagnose NaN', cancellable: true },
    async (progress, token) => {
      const workDoneToken = randomUUID();
      let done = 0;
      const listening = client.onProgress(WorkDoneProgress.type, workDoneToken, (v) => {
        if (v.kind === 'end') return;
        const value = v as WorkDoneProgressBegin | WorkDoneProgressReport;
        const increment = value.percentage !== undefined ? Math.max(0, value.percentage - done) : undefined;
        if (value.percentage !== undefined) done = value.percentage;
        progress.report({ message: value.message, increment });
      });
      try {
        const params: protocol.DiagnoseParams = { workDoneToken, probe: true, run };
        return await client.sendRequest(protocol.Diagnose, params, token);
      } finally {
        listening.dispose();
      }
    },
  );
}

async function summarize(client: LanguageClient, log: vscode.LogOutputChannel, result: protocol.DiagnoseResponse): Promise<void> {
  for (const n of result.notes) log.info(n);
  const findings = result.diagnostics.filter((d) => d.code !== 'first-nonfinite');
  const verified = findings.filter((d) => d.verified).length;
  const run0 = result.runs[0];
  const after = result.afterNaN ? ` (${keptGoing(result.afterNaN)})` : '';
  const where = run0?.incident ? `${run0.log}: ${run0.incident.value === 'nan' ? 'NaN' : run0.incident.value} in ${run0.incident.metric ?? 'the output'}${run0.incident.step !== null ? ` at step ${run0.incident.step}` : ''}${after}. ` : '';
  const summary = `NaN Doctor: ${where}${findings.length} finding${findings.length === 1 ? '' : 's'}${result.probe ? `, ${verified} verified by the probe` : ''}.${result.notes.length ? ` ${result.notes.join(' ')}` : ''}`;
  const actions = [...(result.probe ? ['Show Report'] : []), ...(findings.length ? ['Show Problems'] : [])];
  if (result.probe) void report(client);
  const picked = await vscode.window.showInformationMessage(summary, ...actions);
  if (picked === 'Show Report') await report(client);
  if (picked === 'Show Problems') await vscode.commands.executeCommand('workbench.actions.view.problems');
}

async function watchLogFile(client: LanguageClient): Promise<void> {
  const picked = await vscode.window.showOpenDialog({
    canSelectMany: true,
    openLabel: 'Watch',
    title: 'Watch Log File',
    filters: { 'Training output': ['log', 'out', 'txt', 'csv', 'json', 'jsonl'], 'All files': ['*'] },
  });
  for (const uri of picked ?? []) await client.sendNotification(protocol.WatchLog, { path: uri.fsPath });
}

async function report(client: LanguageClient): Promise<void> {
  const r = await client.sendRequest(protocol.LastReport);
  if (r.html) return showReport(r.html);
  const pick = await vscode.window.showInformationMessage(
    r.report ? 'NaN Doctor: the report page could not be rendered; see the NaN Doctor output.' : 'NaN Doctor: there is no probe report yet. Run "Diagnose NaN" with a probe model (nanDoctor.probe.model or nan-doctor.json) to make one.',
    'Diagnose NaN',
  );
  if (pick === 'Diagnose NaN') await vscode.commands.executeCommand('nanDoctor.diagnose');
}
