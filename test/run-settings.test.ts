// A project's launch script that runs another with the GPU count as an argument: that count is the run's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { locate } from '../src/engine/config/index.ts';
import { launchedProcesses } from '../src/engine/run-settings.ts';

test('scripts/train.sh running `bash ./tools/dist_train.sh cfg.py 3` launches 3 processes (dist_train.sh takes GPUS=$2)', async () => {
  const root = mkdtempSync(join(tmpdir(), 'nd-launch-'));
  try {
    mkdirSync(join(root, 'tools'));
    mkdirSync(join(root, 'scripts'));
    writeFileSync(join(root, 'tools/dist_train.sh'), '#!/usr/bin/env bash\nCONFIG=$1\nGPUS=$2\npython -m torch.distributed.launch --nproc_per_node=$GPUS train.py $CONFIG\n');
    const text = '## stage1\nbash ./tools/dist_train.sh \\\n   projects/configs/stage1.py \\\n   3 \\\n   --deterministic\n';
    writeFileSync(join(root, 'scripts/train.sh'), text);
    const file = await locate('scripts/train.sh', text);
    const [v] = await launchedProcesses(file, join(root, 'scripts/train.sh'), root);
    assert.deepEqual([v.key, v.value, v.text, v.range.start.line, v.source], ['nproc_per_node', 3, '3', 3, 'shell']);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
