// From a NaN being printed to Stop training being offered (the server's incident notification with a way to stop),
// for terminal output, a log file append and a notebook cell's output, each over many runs against a baseline
// measured in the same run; and with nanDoctor.onNonFinite "stop", from a real training process's first NaN
// to its exit, against the same process stopped by a bare SIGINT.
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync, rmSync, watch, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as protocol from '../src/protocol/messages.ts';
import { LspClient, type Notification } from '../test/server/lsp-client.ts';
import { seedWorkspace } from '../test/server/seed-workspace.ts';
import { logDir } from '../test/process/writer-child.ts';

const ROUNDS = 40;
const STOP_ROUNDS = 8;
const TARGET_MS = 150;
const STOP_TARGET_MS = 2000;

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const f = (x: number) => x.toFixed(1);
const offered = (id: string) => (n: Notification) => n.method === 'nanDoctor/incident' && (n.params as protocol.IncidentParams).id === id && (n.params as protocol.IncidentParams).stop !== null;

let failed = false;
function report(what: string, ms: number[], baseline: number[], baselineWhat: string, target: number): void {
  const m = median(ms);
  const b = median(baseline);
  console.log(`${what} over ${ms.length} runs: median ${f(m)} ms, max ${f(Math.max(...ms))} ms`);
  console.log(`  baseline, ${baselineWhat}: median ${f(b)} ms; ratio ${(m / b).toFixed(1)}x`);
  console.log(`  median ${f(m)} ms (target < ${target} ms) ${m < target ? 'OK' : 'MISSED'}`);
  if (m >= target) failed = true;
}

/** The transport floor: a request to the server and its answer, on the same connection. */
async function roundTrip(client: LspClient): Promise<number> {
  const t0 = performance.now();
  await client.connection.sendRequest(protocol.LastReport);
  return performance.now() - t0;
}

async function terminalOutput(client: LspClient, root: string, nanLine: string): Promise<void> {
  const ms: number[] = [];
  const base: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const id = `bench${i}`;
    await client.connection.sendNotification(protocol.TerminalStarted, { id, commandLine: 'python scripts/train_stage1.py --config configs/train/stage1.yaml', cwd: root, name: 'bash' });
    await client.connection.sendNotification(protocol.TerminalData, { id, data: 'Steps:   0%|          | 1/30000 [00:05<40:00:00,  4.87s/it, lr=1e-05, step_loss=0.153]\r' });
    base.push(await roundTrip(client));
    const seen = client.waitFor(offered(`terminal:${id}`), { what: 'the terminal incident' });
    const t0 = performance.now();
    await client.connection.sendNotification(protocol.TerminalData, { id, data: nanLine });
    await seen;
    ms.push(performance.now() - t0);
    await client.connection.sendNotification(protocol.TerminalEnded, { id, exitCode: 0 });
  }
  report('terminal data → Stop training offered', ms, base, 'a request round trip to the server', TARGET_MS);
}

async function logAppend(client: LspClient, logPath: string, finite: string, nanLine: string): Promise<void> {
  const ms: number[] = [];
  const base: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    if (i > 0) {
      const mark = client.notifications.length;
      writeFileSync(logPath, finite); // a new run: the old incident goes away
      await client.waitFor((n) => n.method === 'nanDoctor/status' && !(n.params as protocol.StatusParams).incidents.some((x) => x.id === logPath), { since: mark, what: 'the old incident to clear' });
    }
    let watched = 0;
    const w = watch(logPath, () => {
      if (!watched) watched = performance.now();
    });
    const seen = client.waitFor(offered(logPath), { what: 'the log incident' });
    const t0 = performance.now();
    appendFileSync(logPath, nanLine);
    await seen;
    ms.push(performance.now() - t0);
    w.close();
    if (watched) base.push(watched - t0);
  }
  report('log file append → Stop training offered', ms, base, 'a bare fs.watch callback on the same file', TARGET_MS);
}

async function notebookOutput(client: LspClient, root: string): Promise<void> {
  const notebook = join(root, 'train.ipynb');
  writeFileSync(notebook, '{"cells": []}');
  const ms: number[] = [];
  const base: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const cell: protocol.NotebookCell = { index: 1, uri: `vscode-notebook-cell:${notebook}#bench${i}`, kind: 'code', text: 'for step in tqdm(range(300)):\n    print(f"step {step}: loss={train_step():.4f}")\n' };
    await client.connection.sendNotification(protocol.NotebookCells, { notebook, cells: [{ index: 0, uri: `vscode-notebook-cell:${notebook}#hp`, kind: 'code', text: 'learning_rate = 3.0\n' }, cell] });
    await client.connection.sendNotification(protocol.NotebookOutput, { notebook, cell, op: 'append', text: '  0%|          | 0/300 [00:00<?, ?it/s]\nstep 0: loss=2.3026\n' });
    base.push(await roundTrip(client));
    const seen = client.waitFor(offered(`cell:${cell.uri}`), { what: 'the notebook incident' });
    const t0 = performance.now();
    await client.connection.sendNotification(protocol.NotebookOutput, { notebook, cell, op: 'append', text: 'step 1: loss=nan\n' });
    await seen;
    ms.push(performance.now() - t0);
    await client.connection.sendNotification(protocol.NotebookEnded, { cell: cell.uri, success: false });
  }
  report('notebook output → Stop training offered', ms, base, 'a request round trip to the server', TARGET_MS);
}

// A training stand-in: finite steps for a second, then NaN; it logs when it printed its first NaN and exits on SIGINT.
const trainer = `
const fs = require('node:fs');
const fd = fs.openSync(process.argv[1], 'a');
let step = 0;
process.on('SIGINT', () => { fs.writeSync(fd, 'KeyboardInterrupt\\n'); process.exit(130); });
setInterval(() => {
  step++;
  const nan = step > 20;
  if (step === 21) fs.writeFileSync(process.argv[1] + '.nan-at', String(Date.now()));
  fs.writeSync(fd, 'step ' + step + ' loss=' + (nan ? 'nan' : '0.5') + '\\n');
}, 50);
`;

function runTrainer(log: string): { exited: Promise<number>; pid: number } {
  const child = spawn(process.execPath, ['-e', trainer, log], { stdio: 'ignore' });
  return { pid: child.pid!, exited: new Promise((r) => child.on('exit', () => r(Date.now()))) };
}

async function autoStop(): Promise<void> {
  const root = logDir();
  const client = await LspClient.start(root, { onNonFinite: 'stop' });
  const ms: number[] = [];
  const base: number[] = [];
  try {
    for (let i = 0; i < STOP_ROUNDS; i++) {
      const log = join(root, `run${i}.log`);
      const run = runTrainer(log);
      const exitedAt = await run.exited;
      const nanAt = Number(readFileSync(`${log}.nan-at`, 'utf8'));
      ms.push(exitedAt - nanAt);
      // Baseline: the same process stopped by a bare SIGINT at its first NaN (its own time to save and exit).
      const bare = join(root, `bare${i}.txt`);
      const b = runTrainer(bare);
      const deadline = Date.now() + 10_000;
      while (!(existsSync(bare) && readFileSync(bare, 'utf8').includes('nan')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
      const t0 = Date.now();
      process.kill(b.pid, 'SIGINT');
      base.push((await b.exited) - t0);
    }
  } finally {
    await client.stop();
    rmSync(root, { recursive: true, force: true });
  }
  report('onNonFinite "stop": first NaN printed → training process exited', ms, base, 'the same process stopped by a bare SIGINT at its first NaN', STOP_TARGET_MS);
}

async function main(): Promise<void> {
  const { root, logPath, finite, nanLine } = seedWorkspace();
  const client = await LspClient.start(root);
  try {
    await terminalOutput(client, root, nanLine);
    await logAppend(client, logPath, finite, nanLine);
    await notebookOutput(client, root);
  } finally {
    await client.stop();
    rmSync(root, { recursive: true, force: true });
  }
  await autoStop();
  if (failed) process.exitCode = 1;
}

void main().catch((e) => {
  console.error(e);
  process.exit(1);
});
