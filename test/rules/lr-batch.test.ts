// A learning rate judged against the batch it was set for (the linear scaling rule), not a fixed threshold.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyze } from '../../src/engine/diagnose.ts';
import { locateCommandLine } from '../../src/engine/config/index.ts';
import { processesFromLaunchScript, runSetupValues } from '../../src/engine/run-setup.ts';
import type { LocatedFile } from '../../src/engine/types.ts';
import { byCode, expectOne, fixture, run } from './helpers.ts';

const afterUpdates = run({ line: 9, step: 139, metric: 'loss_cls' }, 'output/log.txt');
const command = (text: string): LocatedFile => ({ file: 'output/log.txt', language: 'shell', values: locateCommandLine(text, 'output/log.txt', 0), facts: [] });

test('detectron2: BASE_LR set for IMS_PER_BATCH 16, run with SOLVER.IMS_PER_BATCH 2 on the command line: 8x too high, fix 0.00125', async () => {
  const cfg = await fixture('lr-batch/Base-RetinaNet.yaml');
  const d = analyze([afterUpdates], [cfg, command('python tools/train_net.py --num-gpus 1 --config-file configs/x.yaml SOLVER.IMS_PER_BATCH 2')]);
  const lr = expectOne(d, 'learning-rate', 'error', 'lr-batch/Base-RetinaNet.yaml', 9);
  assert.match(lr.message, /BASE_LR 0\.01 is set for a total batch of 16 \(IMS_PER_BATCH 16 in Base-RetinaNet\.yaml, which the run overrode to 2\)/);
  assert.match(lr.message, /the linear scaling rule gives 0\.00125 \(8\.0× smaller\)/);
  assert.equal(lr.fixes[0].edits[0].newText, '0.00125');
});

test('not blamed: the same recipe run at its own batch is cleared (information), whatever SGD threshold', async () => {
  const cfg = await fixture('lr-batch/Base-RetinaNet.yaml');
  const d = analyze([afterUpdates], [cfg, command('python tools/train_net.py --num-gpus 8 --config-file configs/x.yaml SOLVER.IMS_PER_BATCH 16')]);
  assert.ok(byCode(d, 'learning-rate').every((x) => x.severity === 'information' || x.severity === 'hint'), JSON.stringify(byCode(d, 'learning-rate')));
});

test('not judged without the batch: an SGD lr of 0.01 with no recipe batch is a hint, never "cleared"', async () => {
  const { locate } = await import('../../src/engine/config/index.ts');
  const cfg = await locate('solver.yaml', 'SOLVER:\n  BASE_LR: 0.01\n');
  const lr = byCode(analyze([afterUpdates], [cfg]), 'learning-rate');
  assert.equal(lr.length, 1);
  assert.equal(lr[0].severity, 'hint');
  assert.match(lr[0].message, /not judged/);
});

test('mmdet: lr commented `#/8*gpu_number` with samples_per_gpu=1, launched on 4 GPUs through dist_train.sh: 2x too high', async () => {
  const cfg = await fixture('lr-batch/lsk_fpn_1x_dota.py');
  const script = readFileSync(join(__dirname, 'fixtures', 'lr-batch', 'dist_train.sh'), 'utf8');
  assert.deepEqual(processesFromLaunchScript(script, ['configs/x.py', '4']), { value: 4, argument: 1 });
  const devices = { file: 'output/log.txt', language: 'shell', values: [{ file: 'output/log.txt', keyPath: 'nproc_per_node', key: 'nproc_per_node', value: 4, text: '4', range: { start: { line: 0, character: 60 }, end: { line: 0, character: 61 } }, source: 'command' }], facts: [] } satisfies LocatedFile;
  const lr = expectOne(analyze([afterUpdates], [cfg, devices]), 'learning-rate', 'error', 'lr-batch/lsk_fpn_1x_dota.py', 8);
  assert.match(lr.message, /set for a total batch of 8 GPUs \(the comment `# \/8\*gpu_number,`\) × 1 \(samples_per_gpu 1\) = 8, but this run steps with 4 \(nproc_per_node 4\) × 1 \(samples_per_gpu 1\) = 4/);
});

test('timm: a launch script whose header says the recipe was 2 processes x -b 512, run with -b 256 on 1 process: 4x', async () => {
  const sh = await fixture('lr-batch/train_imagenet.sh');
  const devices: LocatedFile = { file: 'train.log', language: 'shell', values: [{ file: 'train.log', keyPath: 'nproc_per_node', key: 'nproc_per_node', value: 1, text: '1', range: { start: { line: 0, character: 22 }, end: { line: 0, character: 23 } }, source: 'command' }], facts: [] };
  const lr = expectOne(analyze([afterUpdates], [sh, devices]), 'learning-rate', 'error', 'lr-batch/train_imagenet.sh', 7);
  assert.match(lr.message, /set for a total batch of 1024 \(the comment `# hparams from the paper \(there: 2 processes x -b 512\), run here on one GPU`/);
  assert.match(lr.message, /gives \.016 \(4\.0× smaller\)|gives 0\.016 \(4\.0× smaller\)/);
});

test("the run's own log reports processes and batch sizes: accelerate, maskrcnn-benchmark, detectron2 opts, HF totals", () => {
  const head = [
    'Num processes: 4',
    '2018-12-19 16:02:11,482 maskrcnn_benchmark INFO: Using 1 GPUs',
    "Namespace(config_file='configs/x.yaml', local_rank=0, opts=['SOLVER.IMS_PER_BATCH', '2', 'TEST.IMS_PER_BATCH', '1'], skip_test=False)",
    '  Total train batch size (w. parallel, distributed & accumulation) = 32',
  ].join('\n');
  const values = runSetupValues(head, 'train.log').map((v) => `${v.keyPath}=${v.text}@${v.range.start.line}:${v.range.start.character}`);
  assert.deepEqual(values, ['num_processes=4@0:15', 'num_gpus=1@1:55', 'SOLVER.IMS_PER_BATCH=2@2:85', 'TEST.IMS_PER_BATCH=1@2:112', 'total_batch_size=32@3:69']);
});
