// "Stop training": asks the server, which decides; a log's writer is signalled only after the user's yes in a modal.
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import * as protocol from '../protocol/messages.ts';

export async function stopTraining(client: LanguageClient, run: string | undefined): Promise<void> {
  if (!run) {
    void vscode.window.showInformationMessage('NaN Doctor: no run has gone non-finite, so there is nothing to stop.');
    return;
  }
  let answer: protocol.StopTrainingResponse;
  try {
    answer = await client.sendRequest(protocol.StopTraining, { run });
    if (answer.outcome === 'confirm') {
      const yes = 'Send SIGINT';
      const pick = await vscode.window.showWarningMessage(answer.message, { modal: true, detail: `PID ${answer.pid}: ${answer.command}` }, yes);
      if (pick !== yes) return;
      answer = await client.sendRequest(protocol.StopTraining, { run, ticket: answer.ticket });
    }
  } catch (e) {
    void vscode.window.showErrorMessage(`NaN Doctor: Stop training failed: ${(e as Error).message}`);
    return;
  }
  if (answer.outcome === 'stopped') void vscode.window.showInformationMessage(`NaN Doctor: ${answer.stopped.message}`);
  else if (answer.outcome === 'refused') void vscode.window.showWarningMessage(`NaN Doctor: ${answer.message}`);
}

/** Tells the user what `nanDoctor.onNonFinite: stop` stopped, and why. */
export function announceStopped(s: protocol.StoppedParams): void {
  void vscode.window.showInformationMessage(`NaN Doctor stopped ${s.run}: ${s.message}`);
}
