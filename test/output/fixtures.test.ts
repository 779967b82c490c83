import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { scanFile } from '../../src/engine/output/scan';
import type { Incident } from '../../src/engine/types';

interface Expected {
  framework: string;
  formats?: string[];
  command?: string;
  incident: (Omit<Incident, 'before'> & { before?: Incident['before'] }) | null;
  steps?: { first: number; last: number };
}

const dir = join(__dirname, 'fixtures');
const table = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as { fixtures: Record<string, Expected> };

test('the fixture table covers at least 15 frameworks and 6 traps', () => {
  const entries = Object.values(table.fixtures);
  assert.ok(entries.filter((e) => e.incident).length >= 15);
  assert.ok(entries.filter((e) => e.incident === null).length >= 6);
});

for (const [file, expected] of Object.entries(table.fixtures)) {
  for (const thorough of [false, true]) {
    test(`${file} (${expected.framework})${thorough ? ' through the full analyzer' : ''}`, async () => {
      const run = await scanFile(join(dir, file), { displayName: file, thorough });
      assert.equal(run.log, file);
      if (expected.incident === null) {
        assert.equal(run.incident, null, `trap went non-finite: ${JSON.stringify(run.incident)}`);
        return;
      }
      assert.ok(run.incident, 'no incident found');
      const { before, ...fields } = expected.incident;
      const { before: actualBefore, ...actual } = run.incident;
      assert.deepEqual(actual, fields);
      if (before) assert.deepEqual(actualBefore, before);
      if (expected.steps) assert.deepEqual(run.steps, expected.steps);
      if (expected.formats) assert.deepEqual(run.formats, expected.formats);
      if (expected.command) assert.equal(run.command, expected.command);
    });
  }
}
