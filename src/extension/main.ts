// The VS Code side of NaN Doctor: starts the language server and adds what needs the editor.
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import * as protocol from '../protocol/messages.ts';
import { createClient } from './client.ts';
import { registerCommands } from './commands.ts';
import { StatusItem, incidentText } from './status.ts';
import { TerminalForwarder } from './terminals.ts';

let client: LanguageClient | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const log = vscode.window.createOutputChannel('NaN Doctor', { log: true });
  const status = new StatusItem();
  client = createClient(context, log);
  const c = client;
  const terminals = new TerminalForwarder(c, log);
  context.subscriptions.push(log, status, terminals, ...registerCommands(c, log), vscode.commands.registerCommand('nanDoctor.showOutput', () => log.show()));

  c.onNotification(protocol.Status, (s) => status.update(s));
  c.onNotification(protocol.Incident, (i) => void announce(i, terminals));
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

let lastShown = 0;

/** The first NaN of a run: one notification with the two things the user will want next (a burst, say old logs found at start, gets one). */
async function announce(i: protocol.IncidentParams, terminals: TerminalForwarder): Promise<void> {
  const now = Date.now();
  if (now - lastShown < 3000) return;
  lastShown = now;
  await ask(i, terminals);
}

async function ask(i: protocol.IncidentParams, terminals: TerminalForwarder): Promise<void> {
  const what = i.value === 'nan' ? 'NaN' : `non-finite value (${i.value})`;
  const findings = i.diagnostics > 0 ? ` ${i.diagnostics} diagnostic${i.diagnostics === 1 ? '' : 's'} in the Problems panel.` : '';
  const message = `NaN Doctor: ${i.run} hit a ${what}${i.metric ? ` in ${i.metric}` : ''} — ${incidentText(i)}.${findings}`;
  const pick = await vscode.window.showErrorMessage(message, 'Diagnose NaN', 'Open log');
  if (pick === 'Diagnose NaN') await vscode.commands.executeCommand('nanDoctor.diagnose', i.log ?? undefined);
  if (pick === 'Open log') {
    if (i.log) {
      const line = Math.max(0, i.line - 1);
      await vscode.window.showTextDocument(vscode.Uri.file(i.log), { selection: new vscode.Range(line, 0, line, 0), preview: false });
    } else [...terminals.terminals.values()].pop()?.show();
  }
}

export function deactivate(): Promise<void> | undefined {
  return client?.stop();
}
