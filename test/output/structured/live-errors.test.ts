// A live structured file's read error counts only when it recurs with no change since the read that saw it began:
// a change noticed while a read runs is not in what that read saw (the follower delivers a file's bytes while the
// first read is under way), so the re-read it triggers is a new look, not a confirmation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { liveStructuredRun } from '../../../src/engine/output/structured/live';
import type { StructuredFormat } from '../../../src/engine/output/structured/types';

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('a change that arrives during a failing read makes the next failure a first sighting, not a confirmed error', async () => {
  let reads = 0;
  let release: (() => void) | null = null;
  // A reader that fails on a half-written file; the first read waits until the test lets it go.
  const format: StructuredFormat = {
    name: 'trainer-state',
    matches: () => true,
    async *read() {
      reads++;
      if (reads === 1) await new Promise<void>((r) => (release = r));
      throw new Error('line 34: unexpected end of file');
      yield* [];
    },
  };
  const errors: string[] = [];
  const run = liveStructuredRun('x/trainer_state.json', format, { log: 'x', onIncident: () => undefined, onError: (e) => errors.push(e.message), debounceMs: 0, settleMs: 60_000 });
  try {
    run.changed();
    await tick(20);
    assert.equal(reads, 1, 'the first read is under way');
    run.changed(); // noticed while the first read runs
    release!();
    await tick(50);
    assert.equal(reads, 2, 'the change made a second read');
    assert.deepEqual(errors, [], 'two failures around a change are not one unchanged error');
  } finally {
    run.close();
  }
});
