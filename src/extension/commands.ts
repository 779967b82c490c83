// The palette commands (category "NaN Doctor"); each one is a request or notification to the server.
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import * as vscode from 'vscode';
import { WorkDoneProgress, type LanguageClient, type WorkDoneProgressBegin, type WorkDoneProgressReport } from 'vscode-languageclient/node';
import * as protocol from '../protocol/messages.ts';
import { batchBeside, withProbeModel, workspacePath } from './probe-model.ts';
import { showReport } from './report-panel.ts';
import { keptGoing } from './status.ts';

export function registerCommands(client: LanguageClient, log: vscode.LogOutputChannel): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand('nanDoctor.diagnose', (run?: string) => diagnose(client, log, typeof run === 'string' ? run : undefined)),
    vscode.commands.registerCommand('nanDoctor.watchLogFile', () => watchLogFile(client)),
    vscode.commands.registerCommand('nanDoctor.stopWatching', () => client.sendNotification(protocol.StopWatching)),
    vscode.commands.registerCommand('nanDoctor.showReport', () => report(client)),
    vscode.commands.registerCommand('nanDoctor.copyOnnxSnippet', () => copyOnnxSnippet(client)),
    vscode.commands.registerCommand('nanDoctor.useMyModel', () => useMyModel()),
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
  // A stand-in answered for the user's model: offer the two steps to probe their own.
  const own = result.probe?.standIn ? ['Use My Model…', 'Copy ONNX Export Snippet'] : [];
  const actions = [...(result.probe ? ['Show Report'] : []), ...(findings.length ? ['Show Problems'] : []), ...own];
  if (result.probe) void report(client);
  const picked = await vscode.window.showInformationMessage(summary, ...actions);
  if (picked === 'Show Report') await report(client);
  if (picked === 'Show Problems') await vscode.commands.executeCommand('workbench.actions.view.problems');
  if (picked === 'Use My Model…') await useMyModel();
  if (picked === 'Copy ONNX Export Snippet') await copyOnnxSnippet(client);
}

async function copyOnnxSnippet(client: LanguageClient): Promise<void> {
  const snippet = await client.sendRequest(protocol.OnnxSnippet);
  await vscode.env.clipboard.writeText(snippet.text);
  const where = snippet.script ? `Paste them into ${snippet.script} after it builds the model` : 'Paste them into your training script after it builds the model';
  const open = snippet.script ? ['Open Script'] : [];
  const picked = await vscode.window.showInformationMessage(`NaN Doctor copied the ONNX export lines. ${where}, run it once, then "Use My Model…" with the step.onnx it writes.`, ...open, 'Use My Model…');
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (picked === 'Open Script' && snippet.script && folder) await vscode.window.showTextDocument(vscode.Uri.joinPath(folder.uri, snippet.script));
  if (picked === 'Use My Model…') await useMyModel();
}

/** Picks the model the probe re-runs and writes it (with the batch exported beside it) into nan-doctor.json. */
async function useMyModel(): Promise<void> {
  const picked = await vscode.window.showOpenDialog({
    canSelectMany: false,
    openLabel: 'Use This Model',
    title: 'NaN Doctor: the model the probe re-runs',
    filters: { 'ONNX training step': ['onnx'], 'TensorFlow.js or Keras model JSON': ['json'], 'JavaScript createModel()': ['js', 'mjs', 'cjs'] },
  });
  const model = picked?.[0];
  if (!model) return;
  const folder = vscode.workspace.getWorkspaceFolder(model) ?? vscode.workspace.workspaceFolders?.[0];
  if (!folder) {
    void vscode.window.showWarningMessage('NaN Doctor: open the training project\'s folder first; its nan-doctor.json names the probe model.');
    return;
  }
  const root = folder.uri.fsPath;
  const data = batchBeside(model.fsPath, existsSync);
  const settingsUri = vscode.Uri.joinPath(folder.uri, 'nan-doctor.json');
  // The open document's text when it is open (unsaved edits are kept), else the file, else none yet.
  const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === settingsUri.toString());
  let text: string | null = open ? open.getText() : null;
  if (!open) {
    try {
      text = new TextDecoder().decode(await vscode.workspace.fs.readFile(settingsUri));
    } catch {
      text = null;
    }
  }
  const next = withProbeModel(text, workspacePath(model.fsPath, root), data ? workspacePath(data, root) : null);
  const edit = new vscode.WorkspaceEdit();
  if (text === null) {
    edit.createFile(settingsUri, { ignoreIfExists: true });
    edit.insert(settingsUri, new vscode.Position(0, 0), next);
  } else {
    const doc = open ?? (await vscode.workspace.openTextDocument(settingsUri));
    edit.replace(settingsUri, new vscode.Range(doc.positionAt(0), doc.positionAt(doc.getText().length)), next);
  }
  if (!(await vscode.workspace.applyEdit(edit))) {
    void vscode.window.showErrorMessage('NaN Doctor: nan-doctor.json could not be edited.');
    return;
  }
  await (await vscode.workspace.openTextDocument(settingsUri)).save();
  const batch = data ? ` with the batch ${workspacePath(data, root)}` : '';
  const pick = await vscode.window.showInformationMessage(`NaN Doctor: the probe now re-runs ${workspacePath(model.fsPath, root)}${batch} (nan-doctor.json).`, 'Diagnose NaN');
  if (pick === 'Diagnose NaN') await vscode.commands.executeCommand('nanDoctor.diagnose');
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
    r.report ? 'NaN Doctor: the report page could not be rendered; see the NaN Doctor output.' : 'NaN Doctor: there is no probe report yet. "Diagnose NaN" makes one once a run has gone non-finite (with your model from "Use My Model…", else a stand-in of its family).',
    'Diagnose NaN',
  );
  if (pick === 'Diagnose NaN') await vscode.commands.executeCommand('nanDoctor.diagnose');
}
