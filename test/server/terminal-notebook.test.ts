// Terminal commands and notebook cells through the real server: Stop training asks the editor to interrupt them
// (Ctrl+C, the task, the cell) only while they run; notebook output lands as diagnostics on the cells.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as protocol from '../../src/protocol/messages.ts';
import { LspClient, type Notification } from './lsp-client.ts';

const incidentOf = (n: Notification) => (n.method === 'nanDoctor/incident' ? (n.params as protocol.IncidentParams) : null);
const statusOf = (n: Notification) => (n.method === 'nanDoctor/status' ? (n.params as protocol.StatusParams) : null);
const interruptOf = (n: Notification) => (n.method === 'nanDoctor/interrupt' ? (n.params as protocol.InterruptParams) : null);

const training = 'Steps:   0%|          | 1/300 [00:01<05:00, 1.00it/s, loss=0.51]\r\nSteps:   1%|          | 2/300 [00:02<05:00, 1.00it/s, loss=nan]\r\n';

async function workspace(settings: Record<string, unknown> = {}) {
  const root = mkdtempSync(join(tmpdir(), 'nan-doctor-streams-'));
  const client = await LspClient.start(root, settings);
  return {
    root,
    client,
    async close() {
      await client.stop();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

async function terminalNaN(ws: Awaited<ReturnType<typeof workspace>>, id: string, task?: string) {
  await ws.client.connection.sendNotification(protocol.TerminalStarted, { id, commandLine: 'python train.py', cwd: ws.root, name: 'bash', task });
  await ws.client.connection.sendNotification(protocol.TerminalData, { id, data: training });
  return incidentOf(await ws.client.waitFor((n) => incidentOf(n)?.id === `terminal:${id}`, { past: true, what: 'the terminal incident' }))!;
}

test('a terminal command: Stop training asks the editor for Ctrl+C while it runs; once it has ended, nothing to stop', async () => {
  const ws = await workspace();
  try {
    const incident = await terminalNaN(ws, 't1');
    assert.deepEqual([incident.stop, incident.running, incident.step], ['terminal', true, 2]);
    const r = await ws.client.connection.sendRequest(protocol.StopTraining, { run: incident.id });
    assert.equal(r.outcome, 'stopped');
    assert.deepEqual(interruptOf(await ws.client.waitFor((n) => interruptOf(n) !== null, { past: true })), { run: 'terminal:t1', how: 'terminal' });
    assert.match(r.outcome === 'stopped' ? r.stopped.message : '', /^interrupted because loss went nan at step 2\.$/);

    await terminalNaN(ws, 't2');
    await ws.client.connection.sendNotification(protocol.TerminalEnded, { id: 't2', exitCode: 1 });
    const ended = await ws.client.waitFor((n) => statusOf(n)?.incidents.some((i) => i.id === 'terminal:t2' && !i.running) ?? false, { past: true, what: 'the ended run in the status' });
    assert.equal(statusOf(ended)!.incidents.find((i) => i.id === 'terminal:t2')!.stop, null);
    const late = await ws.client.connection.sendRequest(protocol.StopTraining, { run: 'terminal:t2' });
    assert.deepEqual(late, { outcome: 'refused', message: 'terminal: python train.py has already ended.' });
    assert.equal(ws.client.notifications.filter((n) => interruptOf(n)).length, 1, 'no interrupt for an ended command');
  } finally {
    await ws.close();
  }
});

test("a task's command is stopped by terminating the task; the editor's refusal is passed on", async () => {
  const ws = await workspace();
  try {
    const incident = await terminalNaN(ws, 't1', 'train');
    assert.equal(incident.stop, 'task');
    ws.client.interrupt = () => ({ done: false, message: 'The task has already finished.' });
    const r = await ws.client.connection.sendRequest(protocol.StopTraining, { run: incident.id });
    assert.deepEqual(r, { outcome: 'refused', message: 'The task has already finished.' });
    assert.equal(interruptOf(ws.client.notifications.find((n) => interruptOf(n))!)!.how, 'task');
  } finally {
    await ws.close();
  }
});

test('nanDoctor.onNonFinite "stop" interrupts the terminal command by itself and says so', async () => {
  const ws = await workspace({ onNonFinite: 'stop' });
  try {
    await terminalNaN(ws, 't1');
    const stopped = (await ws.client.waitFor((n) => n.method === 'nanDoctor/stopped', { past: true, what: 'the stopped notification' })).params as protocol.StoppedParams;
    assert.deepEqual([stopped.how, stopped.by, stopped.id], ['terminal', 'setting', 'terminal:t1']);
    assert.match(stopped.message, /because nanDoctor\.onNonFinite is "stop" and loss went nan at step 2/);
  } finally {
    await ws.close();
  }
});

const cells = (root: string): protocol.NotebookCell[] => [
  { index: 0, uri: `vscode-notebook-cell:${root}/nb.ipynb#W0`, kind: 'markdown', text: '# Fine-tune' },
  { index: 1, uri: `vscode-notebook-cell:${root}/nb.ipynb#W1`, kind: 'code', text: 'import torch\nlearning_rate = 3.0\nadam_epsilon = 1e-8\n' },
  { index: 2, uri: `vscode-notebook-cell:${root}/nb.ipynb#W2`, kind: 'code', text: 'model = Net().half()\noptimizer = torch.optim.AdamW(model.parameters(), lr=learning_rate, eps=adam_epsilon)\n' },
  { index: 3, uri: `vscode-notebook-cell:${root}/nb.ipynb#W3`, kind: 'code', text: 'for step in tqdm(range(300)):\n    loss = train_step()\n    print(f"step {step}: loss={loss:.4f}")\n' },
];

test('a running notebook cell: its streamed output is read (tqdm redraws), diagnostics land on the cells, Stop training interrupts the cell', async () => {
  const ws = await workspace();
  try {
    const notebook = join(ws.root, 'nb.ipynb');
    writeFileSync(notebook, '{"cells": []}');
    const c = cells(ws.root);
    const out = (op: 'append' | 'redraw' | 'reset', text: string) => ws.client.connection.sendNotification(protocol.NotebookOutput, { notebook, cell: c[3], op, text });
    await ws.client.connection.sendNotification(protocol.NotebookCells, { notebook, cells: c });
    await out('append', '  0%|          | 0/300 [00:00<?, ?it/s]');
    await out('redraw', ' 10%|█         | 30/300 [00:03<00:27, 10.00it/s]\nstep 0: loss=2.3026\n');
    await out('append', 'step 10: loss=nan\n');
    const incident = incidentOf(await ws.client.waitFor((n) => incidentOf(n) !== null, { past: true, what: 'the notebook incident' }))!;
    assert.deepEqual([incident.run, incident.cell, incident.line, incident.stop], ['nb.ipynb cell 4', 4, 3, 'notebook']);

    const onCell = (i: number, code: string) => ws.client.diagnosticsFor(c[i].uri, (ds) => ds.some((d) => d.code === code), `${code} on cell ${i + 1}`);
    const own = (await onCell(3, 'first-nonfinite')).find((d) => d.code === 'first-nonfinite')!;
    assert.equal(own.range.start.line, 0, 'the output is shown on the cell line that runs the training');
    const eps = (await onCell(1, 'optimizer-epsilon')).find((d) => d.code === 'optimizer-epsilon')!;
    assert.equal(eps.range.start.line, 2);
    assert.ok(eps.relatedInformation?.some((r) => r.location.uri === c[3].uri), 'related: the cell that printed the NaN');
    assert.match(eps.message, /nb\.ipynb cell 3:1/, 'a script line in the message names its cell');

    const r = await ws.client.connection.sendRequest(protocol.StopTraining, { run: incident.id });
    assert.equal(r.outcome, 'stopped');
    assert.deepEqual(interruptOf(ws.client.notifications.find((n) => interruptOf(n))!), { run: `cell:${c[3].uri}`, how: 'notebook' });

    // Run again: the editor clears the outputs, the old incident goes away.
    await out('reset', '');
    await ws.client.waitFor((n) => statusOf(n)?.incidents.length === 0, { past: false, what: 'the incident cleared' });
    await ws.client.diagnosticsFor(c[1].uri, (ds) => ds.length === 0, 'the cell diagnostics cleared');
  } finally {
    await ws.close();
  }
});

test('malformed notebook messages are logged, never fatal', async () => {
  const ws = await workspace();
  try {
    const refused = ws.client.waitFor((n) => n.method === 'window/logMessage' && /notebookOutput needs/.test((n.params as { message: string }).message), { what: 'the refusal' });
    await ws.client.connection.sendNotification('nanDoctor/notebookOutput', { notebook: 3, cell: null });
    await ws.client.connection.sendNotification('nanDoctor/notebookCells', { notebook: '/x.ipynb', cells: [null, { index: 'a' }, 7] });
    await ws.client.connection.sendNotification('nanDoctor/notebookEnded', {});
    await refused;
    const r = await ws.client.connection.sendRequest(protocol.StopTraining, { run: 'no-such-run' });
    assert.deepEqual(r, { outcome: 'refused', message: 'No run named no-such-run is watched.' });
  } finally {
    await ws.close();
  }
});
