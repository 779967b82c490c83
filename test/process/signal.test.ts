// Interrupting a writer: SIGINT reaches the very process the user confirmed, and nothing else is signalled.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { findWriters, singleWriter } from '../../src/engine/process/writers';
import { interruptProcess, waitForExit } from '../../src/engine/process/signal';
import { alive, startWriter, stop, waitForText, withLog } from './writer-child';

const uid = process.getuid?.() ?? 0;
const linux = process.platform === 'linux';

async function writerOf(log: string) {
  const choice = singleWriter(await findWriters(log), 'train.log', uid);
  assert.ok('writer' in choice, JSON.stringify(choice));
  return choice.writer;
}

test('SIGINT reaches the writer, which saves and exits (KeyboardInterrupt in its log)', { skip: !linux }, () =>
  withLog((log) => [startWriter(log)], async (log) => {
    await waitForText(log, 'step 2');
    const writer = await writerOf(log);
    assert.deepEqual(await interruptProcess(writer, uid), { sent: true });
    assert.equal(await waitForExit(writer.pid, 5000), true);
    assert.match(readFileSync(log, 'utf8'), /KeyboardInterrupt\n$/);
  }));

test('a pid that now names another process (another start time), or a process of another user, is not signalled', { skip: !linux }, () =>
  withLog((log) => [startWriter(log)], async (log, [child]) => {
    await waitForText(log, 'step 2');
    const writer = await writerOf(log);
    const reused = await interruptProcess({ ...writer, startTime: '1' }, uid);
    assert.equal(reused.sent, false);
    const foreign = await interruptProcess({ ...writer, uid: uid + 1 }, uid);
    assert.deepEqual(foreign, { sent: false, reason: `PID ${writer.pid} belongs to another user (uid ${uid + 1}).` });
    await new Promise((r) => setTimeout(r, 200));
    assert.ok(alive(child), 'the process is still running');
    assert.doesNotMatch(readFileSync(log, 'utf8'), /KeyboardInterrupt/);
  }));

test('an exited process is reported as such', { skip: !linux }, () =>
  withLog((log) => [startWriter(log)], async (log, [child]) => {
    await waitForText(log, 'step 1');
    const writer = await writerOf(log);
    stop(child);
    assert.equal(await waitForExit(writer.pid, 5000), true);
    assert.deepEqual(await interruptProcess(writer, uid), { sent: false, reason: `PID ${writer.pid} has already exited.` });
  }));
