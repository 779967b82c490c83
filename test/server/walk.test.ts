import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FolderWatcher, walk } from '../../src/server/walk.ts';

const options = { isLog: (r: string) => r.endsWith('.log'), isExcluded: () => false };

test('each directory is handed to beforeListing before it is listed, so a file made in between is listed', () => {
  const root = mkdtempSync(join(tmpdir(), 'nd-walk-'));
  try {
    mkdirSync(join(root, 'outputs/exp2'), { recursive: true });
    const seen: string[] = [];
    const found = walk(root, {
      ...options,
      beforeListing: (dir) => {
        seen.push(dir);
        // What a training run does while the walk is under way: its log appears in a folder about to be listed.
        if (dir.endsWith('exp2')) writeFileSync(join(dir, 'train.log'), 'step 1 loss nan\n');
      },
    });
    assert.deepEqual(seen, [root, join(root, 'outputs'), join(root, 'outputs/exp2')]);
    assert.deepEqual(found.logs, [join(root, 'outputs/exp2/train.log')]);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('a log written right after its folder is made is reported by the folder watcher', async () => {
  const root = mkdtempSync(join(tmpdir(), 'nd-walk-'));
  const reported = new Set<string>();
  const watcher = new FolderWatcher(root, options, (abs) => reported.add(abs), (m) => assert.fail(m));
  try {
    assert.deepEqual(watcher.start(), []);
    for (let i = 0; i < 20; i++) {
      mkdirSync(join(root, `outputs/exp${i}`), { recursive: true });
      writeFileSync(join(root, `outputs/exp${i}/train.log`), 'step 1 loss nan\n');
    }
    const want = Array.from({ length: 20 }, (_, i) => join(root, `outputs/exp${i}/train.log`));
    for (let waited = 0; waited < 5000 && want.some((w) => !reported.has(w)); waited += 50) await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(want.filter((w) => !reported.has(w)), []);
  } finally {
    watcher.close();
    rmSync(root, { recursive: true, force: true });
  }
});
