// A probe worker never outlives its parent, even while model code keeps its main thread busy (needs `npm run build`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { once } from 'node:events';
import { defaultWorkerPath } from '../../src/probe/worker/client';
import { eventually, isDead } from './helpers';

test('a worker whose parent is SIGKILLed exits although its model never yields', async () => {
  const parent = spawn(process.execPath, [join(__dirname, 'fixtures', 'hang', 'orphan-parent.cjs'), defaultWorkerPath()], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [chunk] = (await once(parent.stdout!, 'data')) as [Buffer];
  const worker = Number(chunk.toString().trim());
  assert.ok(worker > 0);
  // The worker is spinning in its busy loop by now, or soon: a parent's death must end it either way.
  await new Promise((r) => setTimeout(r, 500));
  assert.ok(!isDead(worker), 'the worker died before its parent');
  parent.kill('SIGKILL');
  await eventually(() => isDead(worker), `worker ${worker} still running after its parent was killed`);
});
