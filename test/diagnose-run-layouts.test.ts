// Whole-project diagnoses (discovery → locate → analyze) on run layouts learned from held-out real projects:
// a launch script that calls the project's distributed launcher, a run's settings dumped beside its logs.
// Each project here is our own small one that reproduces the layout; the real ones are named in the comments.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { diagnose } from '../src/engine/diagnose';
import type { NanDiagnostic } from '../src/engine/types';

async function diagnosed(files: Record<string, string>, logs?: string[]): Promise<NanDiagnostic[]> {
  const root = mkdtempSync(join(tmpdir(), 'nan-doctor-layouts-'));
  try {
    for (const [rel, text] of Object.entries(files)) {
      mkdirSync(dirname(join(root, rel)), { recursive: true });
      writeFileSync(join(root, rel), text);
    }
    return (await diagnose({ root, logs })).diagnostics;
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

const at = (d: NanDiagnostic[], code: string, file: string) => d.filter((x) => x.code === code && x.file === file).map((x) => `${x.range.start.line + 1} ${x.severity}`);

const trainPy = [
  'import argparse',
  'import torch',
  '',
  'parser = argparse.ArgumentParser()',
  "parser.add_argument('--opt', default='sgd', type=str)",
  "parser.add_argument('--lr', type=float, default=0.05)",
  "parser.add_argument('-b', '--batch-size', type=int, default=128)",
  '',
  'def main(args):',
  '    for x, y in loader:',
  '        loss = model(x, y)',
  '        loss.backward()',
  '        optimizer.step()',
  '',
].join('\n');

test('a launch script that calls the distributed launcher with one process: its lr is judged against the RMSProp recipe for that batch (SeaFormer #2)', async () => {
  const files = {
    'cls/distributed_train.sh': '#!/bin/bash\nNUM_PROC=$1\nshift\npython3 -m torch.distributed.launch --nproc_per_node=$NUM_PROC train.py "$@"\n',
    'cls/train_b.sh': 'sh distributed_train.sh 1 /data/imagenet \\\n    -b 128 --model mobile_b \\\n    --opt rmsproptf --opt-eps .001 \\\n    --warmup-lr 1e-6 --warmup-epochs 10 --amp \\\n    --lr .064\n',
    'cls/train.py': trainPy,
    'cls/output/train.log': 'Train: 1 [ 380/1251 ( 30%)]  Loss: 6.2100 (6.4000)  LR: 6.400e-03\nTrain: 1 [ 390/1251 ( 31%)]  Loss:    nan (   nan)  LR: 6.400e-03\n',
  };
  const d = await diagnosed(files);
  assert.deepEqual(at(d, 'learning-rate', 'cls/train_b.sh'), ['5 error']);
  const lr = d.find((x) => x.code === 'learning-rate' && x.file === 'cls/train_b.sh')!;
  assert.match(lr.message, /^lr \.064 is 8× what EfficientNet's RMSProp recipe \(0\.016 for 256 images, Tan & Le 2019\) give for this run's batch of 1 \(nproc_per_node 1\) × 128/);
  // the argparse default is not the run's lr
  assert.deepEqual(at(d, 'learning-rate', 'cls/train.py').filter((x) => !/hint|information/.test(x)), []);
  // on 8 processes the same lr is the recipe's: not blamed
  const eight = await diagnosed({ ...files, 'cls/train_b.sh': files['cls/train_b.sh'].replace('distributed_train.sh 1', 'distributed_train.sh 8') });
  assert.deepEqual(at(eight, 'learning-rate', 'cls/train_b.sh').filter((x) => /error|warning/.test(x)), []);
});

test("a run's settings dumped beside its logs (`amp: fp16` in args.yaml) are read, and the config they name (efficientvit #110)", async () => {
  const d = await diagnosed({
    'configs/cls/base.yaml': 'run_config:\n  base_lr: 0.00025\n  n_epochs: 300\n',
    'train_cls.py': 'import torch\n\ndef train(model, loader, optimizer):\n    for x, y in loader:\n        loss = model(x, y)\n        loss.backward()\n        optimizer.step()\n',
    '.exp/cls/run1/args.yaml': 'config: configs/cls/base.yaml\npath: .exp/cls/run1/\nmanual_seed: 0\namp: fp16\nsave_freq: 1\n',
    '.exp/cls/run1/logs/valid.log': 'epoch 1: train_loss=6.41, val_top1=2.31\nepoch 2: train_loss=5.52, val_top1=8.76\nepoch 3: train_loss=nan, val_top1=0.10\n',
  });
  assert.deepEqual(at(d, 'precision', '.exp/cls/run1/args.yaml'), ['4 warning']);
  assert.match(d.find((x) => x.file === '.exp/cls/run1/args.yaml')!.message, /^amp: fp16 runs the model in fp16/);
});
