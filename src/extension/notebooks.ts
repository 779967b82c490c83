// Forwards running notebook cells' text outputs (stdout, stderr, text/plain) as they stream, with the notebook's
// cells the server reads as Python; and interrupts a cell's execution when the server asks.
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { joinOutputTexts, outputDelta } from '../engine/output/notebook-text.ts';
import * as protocol from '../protocol/messages.ts';

const STREAMS = new Set(['application/vnd.code.notebook.stdout', 'application/vnd.code.notebook.stderr']);
const decoder = new TextDecoder();

/** One output's text: its stream items in order, else its text/plain item. */
function outputText(output: vscode.NotebookCellOutput): string {
  const stream = output.items.filter((i) => STREAMS.has(i.mime));
  if (stream.length) return stream.map((i) => decoder.decode(i.data)).join('');
  const plain = output.items.find((i) => i.mime === 'text/plain');
  return plain ? decoder.decode(plain.data) : '';
}

const cellInfo = (cell: vscode.NotebookCell): protocol.NotebookCell => ({
  index: cell.index,
  uri: cell.document.uri.toString(),
  kind: cell.kind === vscode.NotebookCellKind.Code ? 'code' : 'markdown',
  text: cell.document.getText(),
});

const hasEnded = (s: vscode.NotebookCellExecutionSummary | undefined) => s?.success !== undefined || s?.timing?.endTime !== undefined;

export class NotebookForwarder implements vscode.Disposable {
  /** The text already forwarded for each cell (by cell URI). */
  private readonly sent = new Map<string, string>();
  /** Cells that printed and have not finished executing. */
  private readonly running = new Map<string, vscode.NotebookCell>();
  /** Notebooks whose cells the server has: their code edits are sent again (debounced). */
  private readonly known = new Map<string, NodeJS.Timeout | null>();
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly client: LanguageClient,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.disposables.push(vscode.workspace.onDidChangeNotebookDocument((e) => this.guard(() => this.changed(e))));
  }

  /** Interrupts the cell's execution through the notebook API (the kernel's interrupt), only while it runs. */
  async interrupt(run: string): Promise<protocol.InterruptResponse> {
    const cell = this.running.get(run.replace(/^cell:/, ''));
    if (!cell) return { done: false, message: 'That notebook cell is no longer running.' };
    await vscode.commands.executeCommand('notebook.cell.cancelExecution', { ranges: [{ start: cell.index, end: cell.index + 1 }], document: cell.notebook.uri });
    return { done: true, message: `Interrupted cell ${cell.index + 1} of ${vscode.workspace.asRelativePath(cell.notebook.uri)}` };
  }

  /** Reveals a notebook run's cell (`cell:URI`). */
  async show(run: string): Promise<boolean> {
    const uri = run.replace(/^cell:/, '');
    for (const nb of vscode.workspace.notebookDocuments) {
      const cell = nb.getCells().find((c) => c.document.uri.toString() === uri);
      if (!cell) continue;
      await vscode.window.showNotebookDocument(nb, { selections: [new vscode.NotebookRange(cell.index, cell.index + 1)] });
      return true;
    }
    return false;
  }

  private changed(e: vscode.NotebookDocumentChangeEvent): void {
    if (e.notebook.uri.scheme !== 'file' || !vscode.workspace.getConfiguration('nanDoctor').get<boolean>('watchNotebooks', true)) return;
    let codeChanged = e.contentChanges.length > 0;
    for (const change of e.cellChanges) {
      if (change.outputs) this.outputsChanged(change.cell);
      if (change.document) codeChanged = true;
      if (change.executionSummary && hasEnded(change.executionSummary)) this.ended(change.cell, change.executionSummary.success);
    }
    if (codeChanged && this.known.has(e.notebook.uri.fsPath)) this.resendCells(e.notebook);
  }

  private outputsChanged(cell: vscode.NotebookCell): void {
    const uri = cell.document.uri.toString();
    const text = joinOutputTexts(cell.outputs.map(outputText));
    const delta = outputDelta(this.sent.get(uri) ?? '', text);
    if (!delta) return;
    this.sent.set(uri, text);
    if (!hasEnded(cell.executionSummary)) this.running.set(uri, cell);
    const path = cell.notebook.uri.fsPath;
    if (!this.known.has(path)) this.sendCells(cell.notebook);
    void this.client.sendNotification(protocol.NotebookOutput, { notebook: path, cell: cellInfo(cell), op: delta.op, text: delta.text });
  }

  private ended(cell: vscode.NotebookCell, success: boolean | undefined): void {
    const uri = cell.document.uri.toString();
    if (!this.running.delete(uri) && !this.sent.has(uri)) return;
    void this.client.sendNotification(protocol.NotebookEnded, { cell: uri, success });
  }

  private sendCells(nb: vscode.NotebookDocument): void {
    this.known.set(nb.uri.fsPath, null);
    void this.client.sendNotification(protocol.NotebookCells, { notebook: nb.uri.fsPath, cells: nb.getCells().map(cellInfo) });
  }

  private resendCells(nb: vscode.NotebookDocument): void {
    const path = nb.uri.fsPath;
    if (this.known.get(path)) return;
    this.known.set(path, setTimeout(() => this.sendCells(nb), 300));
  }

  /** A notebook event the forwarder cannot read is logged; the extension host goes on. */
  private guard(fn: () => void): void {
    try {
      fn();
    } catch (e) {
      this.log.warn(`notebook output not read: ${(e as Error).message}`);
    }
  }

  dispose(): void {
    for (const t of this.known.values()) if (t) clearTimeout(t);
    for (const d of this.disposables) d.dispose();
  }
}
