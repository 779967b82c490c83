import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, renameSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { follow, type ResetReason } from '../../src/engine/output/follower';
import { Waiter } from './follow-waiter';

/** Follows a file and records what it delivers: the text since the last reset, and the resets. */
function record(path: string, fromStart = true) {
  const waiter = new Waiter();
  const seen = { text: '', all: '', resets: [] as ResetReason[], errors: [] as Error[], ready: false };
  const f = follow(
    path,
    {
      onData: (chunk) => {
        seen.text += chunk.toString();
        seen.all += chunk.toString();
        waiter.notify();
      },
      onReset: (reason) => {
        seen.resets.push(reason);
        seen.text = '';
        waiter.notify();
      },
      onError: (e) => {
        seen.errors.push(e);
        waiter.notify();
      },
      onReady: () => {
        seen.ready = true;
        waiter.notify();
      },
    },
    { fromStart },
  );
  const until = (check: () => boolean, what: string) => waiter.until(check, what);
  return { seen, until, close: () => f.close() };
}

const tmp = () => mkdtempSync(join(tmpdir(), 'nd-follow-'));

test('appends arrive in order, partial lines included; without fromStart existing bytes are skipped', async () => {
  const path = join(tmp(), 'train.log');
  writeFileSync(path, 'old line\n');
  const r = record(path, false);
  try {
    // The follower must have opened the file before this append, or it would count as existing.
    await r.until(() => r.seen.ready, 'the first look');
    appendFileSync(path, 'step 1\nstep 2 partial');
    await r.until(() => r.seen.text.endsWith('partial'), 'the appended bytes');
    appendFileSync(path, ' rest\n');
    await r.until(() => r.seen.text.endsWith('rest\n'), 'the rest of the line');
    assert.ok(!r.seen.all.includes('old line'), r.seen.all);
    assert.equal(r.seen.all, 'step 1\nstep 2 partial rest\n');
    assert.deepEqual(r.seen.resets, []);
  } finally {
    r.close();
  }
});

test('a file that appears later is read from its start', async () => {
  const path = join(tmp(), 'later.log');
  const r = record(path, false);
  try {
    await r.until(() => r.seen.ready, 'the first look');
    writeFileSync(path, 'first\n');
    await r.until(() => r.seen.text === 'first\n', 'the new file');
    assert.deepEqual(r.seen.resets, []);
  } finally {
    r.close();
  }
});

test('truncation, including a rewrite longer than before, is a reset', async () => {
  const path = join(tmp(), 'train.log');
  writeFileSync(path, 'run one line 1\n');
  const r = record(path);
  try {
    await r.until(() => r.seen.text === 'run one line 1\n', 'the first run');
    truncateSync(path, 0);
    await r.until(() => r.seen.resets.length === 1, 'the truncation');
    appendFileSync(path, 'run two\n');
    await r.until(() => r.seen.text === 'run two\n', 'the second run');
    // Truncate and write more than was there before, in one go: the changed bytes give it away.
    writeFileSync(path, 'run three is longer than run two was\n');
    await r.until(() => r.seen.text === 'run three is longer than run two was\n', 'the third run');
    assert.deepEqual(r.seen.resets, ['truncated', 'truncated']);
  } finally {
    r.close();
  }
});

test('rotation: the old file is read to its end, then the new one from its start', async () => {
  const dir = tmp();
  const path = join(dir, 'train.log');
  writeFileSync(path, 'a\n');
  const r = record(path);
  try {
    await r.until(() => r.seen.text === 'a\n', 'the first line');
    appendFileSync(path, 'last line of the old file\n'); // written just before the rename
    renameSync(path, join(dir, 'train.log.1'));
    writeFileSync(path, 'new file\n');
    await r.until(() => r.seen.text === 'new file\n', 'the new file');
    assert.ok(r.seen.all.startsWith('a\nlast line of the old file\n'), r.seen.all);
    assert.deepEqual(r.seen.resets, ['rotated']);
  } finally {
    r.close();
  }
});

test('deletion and re-creation', async () => {
  const path = join(tmp(), 'train.log');
  writeFileSync(path, 'one\n');
  const r = record(path);
  try {
    await r.until(() => r.seen.text === 'one\n', 'the first file');
    rmSync(path);
    await r.until(() => r.seen.resets.length === 1, 'the deletion');
    writeFileSync(path, 'two\n');
    await r.until(() => r.seen.text === 'two\n', 'the re-created file');
    // Deleted and re-created between two looks: still a new file, never mixed with the old offset.
    rmSync(path);
    writeFileSync(path, 'three, much longer than two\n');
    await r.until(() => r.seen.text === 'three, much longer than two\n', 'the second re-creation');
    assert.equal(r.seen.resets[0], 'deleted');
    assert.equal(r.seen.resets[1], 'recreated');
    assert.ok(['recreated', 'deleted'].includes(r.seen.resets[2]), r.seen.resets.join());
    assert.deepEqual(r.seen.errors, []);
  } finally {
    r.close();
  }
});

test('a missing directory is not an error: the file is followed once it appears', async () => {
  const dir = join(tmp(), 'later');
  const path = join(dir, 'train.log');
  const r = record(path);
  try {
    const { mkdirSync } = await import('node:fs');
    mkdirSync(dir);
    writeFileSync(path, 'hello\n');
    // No directory watch was possible: only the slow poll (1 s) sees it.
    await r.until(() => r.seen.text === 'hello\n', 'the file in the new directory');
    assert.deepEqual(r.seen.errors, []);
  } finally {
    r.close();
  }
});

test('close() leaves nothing running, even right after follow() or in the middle of a look', async () => {
  const { spawnSync } = await import('node:child_process');
  const path = join(tmp(), 'train.log');
  writeFileSync(path, 'step 1 | loss: nan\n');
  // A child process exits by itself only when no watcher, poll or timer is left behind.
  const script = `
    const { follow } = require(${JSON.stringify(join(__dirname, '..', '..', 'src', 'engine', 'output', 'follower.ts'))});
    const { watchRun } = require(${JSON.stringify(join(__dirname, '..', '..', 'src', 'engine', 'output', 'watch.ts'))});
    const p = ${JSON.stringify(path)};
    follow(p, { onData() {}, onReset() {} }).close();
    watchRun(p, { onIncident() {} }).close();
    const f = follow(p, { onData() { f.close(); }, onReset() {} }, { fromStart: true });
    const w = watchRun(p, { onIncident() { w.close(); process.stdout.write('closed'); } });`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.signal, null, 'the child had to be killed: something kept it alive');
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, 'closed');
});
