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

// Detectron.pytorch #19: NUM_GPUS edited from the recipe's 8 to the 3 GPUs at hand, while train_net.py scales
// BASE_LR by the run's batch over NUM_GPUS × TRAIN.IMS_PER_BATCH (the maintainer: keep NUM_GPUS, use CUDA_VISIBLE_DEVICES).
const detectronConfig = (gpus: number) =>
  `MODEL:\n  TYPE: generalized_rcnn\nNUM_GPUS: ${gpus}\nSOLVER:\n  BASE_LR: 0.02\n  GAMMA: 0.1\nTRAIN:\n  IMS_PER_BATCH: 2\n`;
const detectronTrain = (reference: string) =>
  [
    'from core.config import cfg, cfg_from_file',
    'def main():',
    '    args = parse_args()',
    '    cfg_from_file(args.cfg_file)',
    `    recipe_batch = ${reference}`,
    '    if args.batch_size is None:',
    '        args.batch_size = recipe_batch',
    '    cfg.SOLVER.BASE_LR *= args.batch_size / recipe_batch',
    '    optimizer = torch.optim.SGD(params, lr=cfg.SOLVER.BASE_LR, momentum=0.9)',
    '    loss.backward()',
    '    optimizer.step()',
    '',
  ].join('\n');

test('Detectron: NUM_GPUS below the recipe\'s 8, where the script scales BASE_LR against NUM_GPUS × TRAIN.IMS_PER_BATCH, is the lr cause', async () => {
  const { locate } = await import('../../src/engine/config/index.ts');
  const files = [await locate('configs/mask_rcnn_2x.yaml', detectronConfig(2)), await locate('tools/train_net.py', detectronTrain('cfg.NUM_GPUS * cfg.TRAIN.IMS_PER_BATCH'))];
  const d = analyze([afterUpdates], files);
  const gpus = expectOne(d, 'learning-rate', 'error', 'configs/mask_rcnn_2x.yaml', 3);
  assert.match(gpus.message, /^NUM_GPUS: 2 is the GPU count BASE_LR 0\.02 was tuned for, not the GPUs this run has: train_net\.py:5 takes NUM_GPUS × TRAIN\.IMS_PER_BATCH = 4 as its reference batch/);
  assert.match(gpus.message, /4\.0× what the 8-GPU recipe gives/);
  assert.equal(gpus.fixes[0].edits[0].newText, '8');
  // BASE_LR itself is not blamed: it is right for the recipe
  assert.ok(byCode(d, 'learning-rate').filter((x) => x.range.start.line === 4).every((x) => x.severity === 'hint' || x.severity === 'information'));
});

test('not blamed: NUM_GPUS at the recipe\'s 8, or a script that does not scale the lr by it', async () => {
  const { locate } = await import('../../src/engine/config/index.ts');
  const script = await locate('tools/train_net.py', detectronTrain('cfg.NUM_GPUS * cfg.TRAIN.IMS_PER_BATCH'));
  assert.equal(byCode(analyze([afterUpdates], [await locate('configs/mask_rcnn_2x.yaml', detectronConfig(8)), script]), 'learning-rate').filter((x) => x.range.start.line === 2).length, 0);
  const fixedReference = await locate('tools/train_net.py', detectronTrain('16'));
  assert.equal(byCode(analyze([afterUpdates], [await locate('configs/mask_rcnn_2x.yaml', detectronConfig(2)), fixedReference]), 'learning-rate').filter((x) => x.range.start.line === 2).length, 0);
});

// RefineMask #14: an mmdet config that keeps mmdetection's lr 0.02 (set for 8 GPUs × 2 images) with samples_per_gpu=1;
// the log does not say how many GPUs ran, but even 8 give a batch of 8 (the author: "set lr to 0.01").
const mmdetConfig = (perGpu: number) =>
  [
    "dataset_type = 'LVISV1Dataset'",
    `data = dict(samples_per_gpu=${perGpu}, workers_per_gpu=1)`,
    "model = dict(type='MaskRCNN', rpn_head=dict(type='RPNHead'), roi_head=dict(type='StandardRoIHead'))",
    "optimizer = dict(type='SGD', lr=0.02, momentum=0.9, weight_decay=0.0001)",
    'optimizer_config = dict(grad_clip=dict(max_norm=35, norm_type=2))',
    '',
  ].join('\n');
const mmdetLog = run({ line: 25, step: 350, metric: 'loss_rpn_cls' }, 'work_dirs/r50/20210829_101942.log');

test("mmdet: a config that keeps mmdetection's lr 0.02 with samples_per_gpu=1 is 2x too high even on the recipe's 8 GPUs", async () => {
  const { locate } = await import('../../src/engine/config/index.ts');
  const d = analyze([mmdetLog], [await locate('configs/r50-refinemask-1x.py', mmdetConfig(1))]);
  const lr = expectOne(d, 'learning-rate', 'error', 'configs/r50-refinemask-1x.py', 4);
  assert.match(lr.message, /lr 0\.02 keeps the lr of Detectron and mmdetection recipes .*at most 8 \(8 GPUs × samples_per_gpu 1\).*gives 0\.01 \(2\.0× smaller\)/);
  assert.equal(lr.fixes[0].edits[0].newText, '0.01');
});

test('not blamed: the same config at samples_per_gpu=2, where 8 GPUs give the 16 images 0.02 was set for', async () => {
  const { locate } = await import('../../src/engine/config/index.ts');
  const d = analyze([mmdetLog], [await locate('configs/r50-refinemask-1x.py', mmdetConfig(2))]);
  assert.ok(byCode(d, 'learning-rate').every((x) => x.severity === 'hint' || x.severity === 'information'), JSON.stringify(byCode(d, 'learning-rate').map((x) => x.message)));
});

test('a high lr behind a warmup that has barely begun is cleared; the same NaN after the warmup blames it', async () => {
  // adapter_fabric.py: learning_rate = 9e-3, warmup_iters = 2 * (epoch_size // micro_batch_size) = 25000, computed at module level
  const file = await fixture('fp16/adapter_fabric.py');
  const early = expectOne(analyze([run({ line: 81, step: 64, metric: 'loss' })], [file]), 'learning-rate', 'information', 'fp16/adapter_fabric.py', 7);
  assert.match(early.message, /^learning_rate 9e-3 had not been reached: warmup_iters 25000 warms the lr up from 0: when loss=nan at step 64, it was at most 2\.3e-5; .*\(cleared\)$/);
  expectOne(analyze([run({ line: 900, step: 30000, metric: 'loss' })], [file]), 'learning-rate', 'error', 'fp16/adapter_fabric.py', 7);
});
