// The VS Code side of NaN Doctor: starts the language server and adds what needs the editor.
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import * as protocol from '../protocol/messages.ts';
import { createClient } from './client.ts';
import { registerCommands } from './commands.ts';
import { NotebookForwarder } from './notebooks.ts';
import { StatusItem, incidentText } from './status.ts';
import { announceStopped, stopTraining } from './stop.ts';
import { TaskProcesses } from './tasks.ts';
import { TerminalForwarder } from './terminals.ts';

let client: LanguageClient | undefined;

interface Forwarders {
  terminals: TerminalForwarder;
  notebooks: NotebookForwarder;
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const log = vscode.window.createOutputChannel('NaN Doctor', { log: true });
  const status = new StatusItem();
  client = createClient(context, log);
  const c = client;
  const tasks = new TaskProcesses();
  const f: Forwarders = { terminals: new TerminalForwarder(c, log, tasks), notebooks: new NotebookForwarder(c, log) };
  context.subscriptions.push(log, status, tasks, f.terminals, f.notebooks, ...registerCommands(c, log), vscode.commands.registerCommand('nanDoctor.showOutput', () => log.show()));
  context.subscriptions.push(vscode.commands.registerCommand('nanDoctor.stopTraining', (run?: string) => stopTraining(c, typeof run === 'string' ? run : latestStoppable)));

  c.onNotification(protocol.Status, (s) => {
    latestStoppable = [...s.incidents].reverse().find((i) => i.stop)?.id;
    status.update(s);
  });
  c.onNotification(protocol.Incident, (i) => void announce(c, i, f));
  c.onNotification(protocol.Stopped, (s) => announceStopped(s));
  c.onRequest(protocol.Interrupt, (p) => interrupt(p, f));
  context.subscriptions.push(vscode.workspace.onDidGrantWorkspaceTrust(() => void c.sendNotification(protocol.TrustChanged, { trusted: true })));

  try {
    await c.start();
    log.info('NaN Doctor language server started');
  } catch (e) {
    // The commands stay registered and say what went wrong; the status bar shows it too.
    log.error(`the NaN Doctor language server did not start: ${(e as Error).message}`);
    status.failed((e as Error).message);
  }
}

let latestStoppable: string | undefined;

/** The server decided to stop a run (the `stop` setting): the client only does what needs the editor. */
async function interrupt(p: protocol.InterruptParams, f: Forwarders): Promise<protocol.InterruptResponse> {
  try {
    if (p?.how === 'notebook') return await f.notebooks.interrupt(String(p.run));
    if (p?.how === 'terminal' || p?.how === 'task') return await f.terminals.interrupt(String(p.run));
    return { done: false, message: `unknown way to interrupt: ${String(p?.how)}` };
  } catch (e) {
    return { done: false, message: (e as Error).message };
  }
}

let lastShown = 0;

/** The first NaN of a run: one notification with the things the user will want next (a burst, say old logs found at start, gets one). */
async function announce(c: LanguageClient, i: protocol.IncidentParams, f: Forwarders): Promise<void> {
  const now = Date.now();
  if (now - lastShown < 3000) return;
  lastShown = now;
  const what = i.value === 'nan' ? 'NaN' : `non-finite value (${i.value})`;
  const findings = i.diagnostics > 0 ? ` ${i.diagnostics} diagnostic${i.diagnostics === 1 ? '' : 's'} in the Problems panel.` : '';
  const message = `NaN Doctor: ${i.run} hit a ${what}${i.metric ? ` in ${i.metric}` : ''} — ${incidentText(i)}.${findings}`;
  const show = i.cell !== undefined ? 'Show cell' : 'Open log';
  const pick = await vscode.window.showErrorMessage(message, ...(i.stop ? ['Stop training'] : []), 'Diagnose NaN', show);
  if (pick === 'Stop training') await stopTraining(c, i.id);
  if (pick === 'Diagnose NaN') await vscode.commands.executeCommand('nanDoctor.diagnose', i.id);
  if (pick === 'Show cell') await f.notebooks.show(i.id);
  if (pick === 'Open log') {
    if (i.log) {
      const line = Math.max(0, i.line - 1);
      await vscode.window.showTextDocument(vscode.Uri.file(i.log), { selection: new vscode.Range(line, 0, line, 0), preview: false });
    } else (f.terminals.terminalOf(i.id) ?? f.terminals.lastTerminal())?.show();
  }
}

export function deactivate(): Promise<void> | undefined {
  return client?.stop();
}
