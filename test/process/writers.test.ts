// Finding the process that writes a log, with real processes: /proc descriptors opened for writing, inherited
// descriptors, a `| tee` relay, a second writer, another user's process, and lsof where /proc is absent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { dirname } from 'node:path';
import { findWriters, singleWriter } from '../../src/engine/process/writers';
import { parseLsof } from '../../src/engine/process/lsof';
import { alive, startWriter, waitForText, withLog } from './writer-child';

const uid = process.getuid?.() ?? 0;
const linux = process.platform === 'linux';
const reader = (log: string) => spawn(process.execPath, ['-e', 'require("fs").openSync(process.argv[1], "r"); setInterval(() => {}, 1000)', log], { stdio: 'ignore' });

test('the process appending to a log is found by /proc, with its command line; a reader is not a writer', { skip: !linux }, () =>
  withLog((log) => [startWriter(log), reader(log)], async (log, [writer]) => {
    await waitForText(log, 'step 2');
    const search = await findWriters(log);
    assert.equal(search.via, 'proc');
    assert.deepEqual(search.writers.map((w) => w.pid), [writer.pid]);
    const choice = singleWriter(search, 'train.log', uid);
    assert.ok('writer' in choice, JSON.stringify(choice));
    assert.equal(choice.writer.uid, uid);
    assert.match(choice.writer.command, /step/, 'the command line is the whole argv');
  }));

test('children that inherited the descriptor count as their parent (a shell loop redirected into the log)', { skip: !linux }, () =>
  // Each `sleep` inherits the shell's stdout, which is the log.
  withLog((log) => [spawn('sh', ['-c', `exec >>'${log}'; i=0; while :; do i=$((i+1)); echo "step $i loss=0.5"; sleep 0.05; done`], { stdio: 'ignore' })], async (log, [shell]) => {
    await waitForText(log, 'step 3');
    assert.deepEqual((await findWriters(log)).writers.map((w) => w.pid), [shell.pid]);
  }));

test('behind `| tee train.log` the writer is the process feeding tee', { skip: !linux }, () => {
  const printer = "let s = 0; setInterval(() => console.log('step ' + (++s) + ' loss=0.5'), 50)";
  // A process group of its own, so the whole pipeline goes at the end.
  const pipeline = (log: string) => spawn('sh', ['-c', `'${process.execPath}' -e "${printer}" | tee '${log}' >/dev/null`], { stdio: 'ignore', detached: true });
  return withLog((log) => [pipeline(log)], async (log) => {
    await waitForText(log, 'step 3');
    const search = await findWriters(log);
    assert.equal(search.writers.length, 1, JSON.stringify(search.writers));
    const [w] = search.writers;
    assert.match(w.command, /setInterval/, 'the node process, not tee');
    assert.equal(w.through?.name, 'tee');
  });
});

test('a second writer of the same log: no single writer, nothing chosen', { skip: !linux }, () =>
  withLog((log) => [startWriter(log), startWriter(log)], async (log, [a, b]) => {
    await waitForText(log, 'step 2 ', 10_000, 2);
    const search = await findWriters(log);
    assert.deepEqual(search.writers.map((w) => w.pid).sort(), [a.pid, b.pid].sort());
    const choice = singleWriter(search, 'train.log', uid);
    assert.ok('reason' in choice);
    assert.match(choice.reason, /2 processes write train\.log/);
  }));

test('no writer: the run has ended', { skip: !linux }, () =>
  withLog(() => [], async (log) => {
    const choice = singleWriter(await findWriters(log), 'train.log', uid);
    assert.ok('reason' in choice);
    assert.match(choice.reason, /No process has train\.log open for writing/);
  }));

test("another user's process is never chosen", { skip: !linux }, () => {
  // As root, a real process of user nobody; otherwise the same rule seen from a user who is not the owner.
  const asNobody = uid === 0;
  return withLog((log) => [startWriter(log, asNobody ? { uid: 65534, gid: 65534 } : {})], async (log, [writer]) => {
    await waitForText(log, 'step 2');
    const search = await findWriters(log);
    assert.deepEqual(search.writers.map((w) => w.pid), [writer.pid]);
    const choice = singleWriter(search, 'train.log', asNobody ? uid : uid + 1);
    assert.ok('reason' in choice);
    assert.match(choice.reason, /belongs to another user/);
    assert.ok(alive(writer));
  });
});

test('without /proc, lsof finds the writer', { skip: !linux }, (t) =>
  withLog((log) => [startWriter(log)], async (log, [writer]) => {
    await waitForText(log, 'step 2');
    const search = await findWriters(log, { proc: `${dirname(log)}/no-proc` });
    if (search.via === null) return t.skip('lsof is not installed');
    assert.equal(search.via, 'lsof');
    assert.deepEqual(search.writers.map((w) => w.pid), [writer.pid]);
    assert.match(search.writers[0].command, /step/);
  }));

test('lsof -F output: processes, their parents and owners, and whether any descriptor writes', () => {
  const out = 'p1781\nR1\ncsleep\nu1000\nLme\nf1\naw\np1790\nR1\ncless\nu1000\nf4\nar\np1791\nR1790\ncvim\nu1000\nf3\nau\n';
  assert.deepEqual(parseLsof(out), [
    { pid: 1781, ppid: 1, uid: 1000, name: 'sleep', writes: true },
    { pid: 1790, ppid: 1, uid: 1000, name: 'less', writes: false },
    { pid: 1791, ppid: 1790, uid: 1000, name: 'vim', writes: true },
  ]);
  assert.deepEqual(parseLsof('garbage\n\nfoo'), []);
});
