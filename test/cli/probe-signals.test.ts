// nan-doctor probe killed while its workers spin in a model that never yields: no worker outlives it (needs `npm run build`).
import { test } from 'node:test';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { eventually, isDead } from '../probe/helpers';

const cli = join(process.cwd(), 'dist', 'cli.js');
const hang = join(process.cwd(), 'test', 'probe', 'fixtures', 'hang', 'hang-module.cjs');

function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
  test(`${signal} to nan-doctor probe leaves no worker running`, async () => {
    const proc = spawn(process.execPath, [cli, 'probe', '--model', hang], { stdio: 'ignore' });
    const pid = proc.pid!;
    let workers: number[] = [];
    await eventually(() => (workers = childrenOf(pid)).length === 2, 'the sweep did not start its two workers');
    proc.kill(signal);
    await eventually(() => workers.every(isDead), `workers ${workers.join(', ')} outlived the CLI`);
  });
}
