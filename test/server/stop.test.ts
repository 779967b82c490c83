// Stop training through the real server process, with real training processes writing the logs: nothing is
// signalled without the user's confirmation or the `stop` setting, never in an untrusted workspace, never a
// process of another user, never when the NaN did not persist or when no single process writes the log.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import type { ChildProcess } from 'node:child_process';
import { StopTraining, type IncidentParams, type StatusParams, type StoppedParams, type StopTrainingResponse } from '../../src/protocol/messages.ts';
import { LspClient, type Notification } from './lsp-client.ts';
import { alive, emptyLog, logDir, recoveringScript, startWriter, stop, waitForText } from '../process/writer-child.ts';

const uid = process.getuid?.() ?? 0;
const linux = process.platform === 'linux';

const incidentOf = (n: Notification) => (n.method === 'nanDoctor/incident' ? (n.params as IncidentParams) : null);
const statusOf = (n: Notification) => (n.method === 'nanDoctor/status' ? (n.params as StatusParams) : null);

/** A workspace whose train.log a real process writes (its loss turns NaN at step 4), followed by a real server. */
async function session(opts: { settings?: Record<string, unknown>; trusted?: boolean; writers?: number; asNobody?: boolean; script?: string } = {}) {
  const root = logDir();
  const log = emptyLog(root);
  const writers: ChildProcess[] = [];
  for (let i = 0; i < (opts.writers ?? 1); i++) writers.push(startWriter(log, opts.asNobody ? { uid: 65534, gid: 65534 } : {}, opts.script));
  const client = await LspClient.start(root, opts.settings ?? {}, opts.trusted ?? true);
  return {
    root,
    log,
    writers,
    client,
    stopTraining: (ticket?: string) => client.connection.sendRequest(StopTraining, { run: log, ticket }) as Promise<StopTrainingResponse>,
    async close() {
      stop(...writers);
      await client.stop();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

test('Stop training on a log: the writer (PID, command line) is named for a confirmation; only the confirmed ticket sends SIGINT', { skip: !linux }, async () => {
  const s = await session();
  try {
    const incident = incidentOf(await s.client.waitFor((n) => incidentOf(n) !== null, { past: true, what: 'the incident' }))!;
    assert.deepEqual([incident.id, incident.stop, incident.persistent, incident.step], [s.log, 'process', true, 4]);

    const ask = await s.stopTraining();
    assert.equal(ask.outcome, 'confirm');
    if (ask.outcome !== 'confirm') return;
    assert.equal(ask.pid, s.writers[0].pid);
    assert.match(ask.command, /writeSync/);
    assert.match(ask.message, /SIGINT/);
    // No yes, no signal: a made-up ticket is refused and the process runs on.
    const forged = await s.stopTraining('not-the-ticket');
    assert.equal(forged.outcome, 'refused');
    await new Promise((r) => setTimeout(r, 300));
    assert.ok(alive(s.writers[0]), 'nothing was signalled before the confirmation');
    assert.doesNotMatch(readFileSync(s.log, 'utf8'), /KeyboardInterrupt/);

    const done = await s.stopTraining(ask.ticket);
    assert.equal(done.outcome, 'stopped');
    await waitForText(s.log, 'KeyboardInterrupt');
    const again = await s.stopTraining(ask.ticket);
    assert.equal(again.outcome, 'refused', 'a ticket is good once');
    const stopped = await s.client.waitFor((n) => statusOf(n)?.incidents[0]?.stopped !== undefined, { past: true, what: 'a status saying the run was stopped' });
    const i = statusOf(stopped)!.incidents[0];
    assert.equal(i.running, false);
    assert.equal(i.stop, null);
    assert.ok(i.keptGoingMs >= 0 && i.keptGoingMs < 30_000, `kept going ${i.keptGoingMs} ms after the NaN`);
    assert.match(i.stopped!.message, /Sent SIGINT to PID \d+ .* because loss went nan at step 4/);
  } finally {
    await s.close();
  }
});

test('a loss-scaler overflow that recovered is no incident: nothing to stop, the process runs on', { skip: !linux }, async () => {
  const s = await session({ script: recoveringScript, settings: { onNonFinite: 'stop' } });
  try {
    await waitForText(s.log, 'OVERFLOW', 10_000, 2);
    await s.client.waitFor((n) => (statusOf(n)?.logs.includes(s.log) ?? false), { past: true, what: 'the log followed' });
    const r = await s.stopTraining();
    assert.equal(r.outcome, 'refused');
    assert.match(r.outcome === 'refused' ? r.message : '', /no persistent non-finite value/);
    assert.ok(alive(s.writers[0]));
    assert.ok(!s.client.notifications.some((n) => n.method === 'nanDoctor/incident'));
  } finally {
    await s.close();
  }
});

test('nanDoctor.onNonFinite "stop": the persistent NaN stops the writer without asking, and the user is told what and why', { skip: !linux }, async () => {
  const s = await session({ settings: { onNonFinite: 'stop' } });
  try {
    const stopped = (await s.client.waitFor((n) => n.method === 'nanDoctor/stopped', { past: true, what: 'the stopped notification' })).params as StoppedParams;
    assert.equal(stopped.by, 'setting');
    assert.equal(stopped.how, 'process');
    assert.match(stopped.message, new RegExp(`PID ${s.writers[0].pid} .*because nanDoctor\\.onNonFinite is "stop" and loss went nan at step 4`));
    await waitForText(s.log, 'KeyboardInterrupt');
    const incident = incidentOf(await s.client.waitFor((n) => incidentOf(n) !== null, { past: true }))!;
    assert.equal(incident.stop, null, 'the notification offers no button for what is already being stopped');
  } finally {
    await s.close();
  }
});

test('an untrusted workspace: Stop training is refused and the `stop` setting does nothing', { skip: !linux }, async () => {
  const s = await session({ trusted: false, settings: { onNonFinite: 'stop' } });
  try {
    const incident = incidentOf(await s.client.waitFor((n) => incidentOf(n) !== null, { past: true, what: 'the incident' }))!;
    assert.equal(incident.stop, null);
    const r = await s.stopTraining();
    assert.deepEqual(r.outcome, 'refused');
    assert.match(r.outcome === 'refused' ? r.message : '', /untrusted workspace/);
    await new Promise((r) => setTimeout(r, 300));
    assert.ok(alive(s.writers[0]));
    assert.ok(!s.client.notifications.some((n) => n.method === 'nanDoctor/stopped'));
  } finally {
    await s.close();
  }
});

test("another user's process writing the log is refused", { skip: !linux || uid !== 0 }, async () => {
  const s = await session({ asNobody: true, settings: { onNonFinite: 'stop' } });
  try {
    await s.client.waitFor((n) => incidentOf(n) !== null, { past: true, what: 'the incident' });
    const r = await s.stopTraining();
    assert.equal(r.outcome, 'refused');
    assert.match(r.outcome === 'refused' ? r.message : '', /belongs to another user \(uid 65534\)/);
    assert.ok(alive(s.writers[0]));
    assert.doesNotMatch(readFileSync(s.log, 'utf8'), /KeyboardInterrupt/);
  } finally {
    await s.close();
  }
});

test('two processes write the log: no single writer, nothing signalled', { skip: !linux }, async () => {
  const s = await session({ writers: 2 });
  try {
    await waitForText(s.log, 'step 2 ', 10_000, 2);
    await s.client.waitFor((n) => incidentOf(n) !== null, { past: true, what: 'the incident' });
    const r = await s.stopTraining();
    assert.equal(r.outcome, 'refused');
    assert.match(r.outcome === 'refused' ? r.message : '', /2 processes write train\.log/);
    assert.ok(s.writers.every(alive));
  } finally {
    await s.close();
  }
});
