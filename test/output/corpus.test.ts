// The reader against the real-world corpus (test/output/corpus): logs people pasted in public issues, each
// with the answer written from its thread. Both the fast path and the full analyzer must reach the score.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { scanFile } from '../../src/engine/output/scan';
import { loadLogCases, scoreLog, type LogScore } from '../corpus/cases';

const cases = loadLogCases();

test('the corpus is real-world sized: 120+ logs, 40+ projects, 12+ frameworks, 20+ traps', () => {
  assert.ok(cases.length >= 120, `${cases.length} logs`);
  assert.ok(new Set(cases.map((c) => c.project.toLowerCase())).size >= 40);
  assert.ok(new Set(cases.map((c) => c.framework)).size >= 12);
  assert.ok(cases.filter((c) => c.trap).length >= 20);
  for (const c of cases) assert.match(c.source, /^https:\/\/github\.com\/[^/]+\/[^/]+\/(issues|pull|discussions)\/\d+/, `${c.id}: source URL`);
});

for (const thorough of [false, true]) {
  test(`line and step right on at least 95% of the real logs, every trap clean${thorough ? ' (full analyzer)' : ' (fast path)'}`, async () => {
    const scores: LogScore[] = [];
    for (const c of cases) scores.push(scoreLog(c, await scanFile(join(c.dir, c.log), { displayName: c.log, thorough })));
    const real = scores.filter((s) => !s.trap);
    const wrong = real.filter((s) => !s.right);
    const dirtyTraps = scores.filter((s) => s.trap && !s.right);
    const report = [...wrong, ...dirtyTraps].map((s) => `${s.id}: got ${s.got}; want ${s.want}`).join('\n');
    assert.deepEqual(dirtyTraps.map((s) => s.id), [], report);
    assert.ok(real.length - wrong.length >= Math.ceil(0.95 * real.length), `${real.length - wrong.length}/${real.length} right:\n${report}`);
  });
}
