// Following what a training script imports inside the project: relative and package imports,
// transitively and bounded, cycles, missing modules, and the loss a config names.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { lossNames, pythonImports, resolveImport, runCode } from '../../src/engine/config/python-imports';
import { discover } from '../../src/engine/discovery';

/** runCode over an in-memory project. */
function codeOf(files: Record<string, string>, scripts: string[], configs: string[] = [], opts: { maxDepth?: number; maxFiles?: number } = {}) {
  return runCode('.', { files: Object.keys(files), scripts, configs }, { ...opts, read: async (p: string) => files[p] ?? '' });
}

test('imports: every form, anywhere in the file, __future__ left out', async () => {
  const found = await pythonImports(
    [
      'from __future__ import division',
      'import os, utils.general as general',
      'from ..models import Net, Head as H',
      'from . import losses',
      'from yolov6.models.loss import ComputeLoss',
      'def f():',
      '    from .helpers import *',
      'try:',
      '    import apex',
      'except ImportError:',
      '    pass',
    ].join('\n'),
  );
  assert.deepEqual(found, [
    { module: 'os', level: 0, names: [] },
    { module: 'utils.general', level: 0, names: [] },
    { module: 'models', level: 2, names: ['Net', 'Head'] },
    { module: '', level: 1, names: ['losses'] },
    { module: 'yolov6.models.loss', level: 0, names: ['ComputeLoss'] },
    { module: 'helpers', level: 1, names: [] },
    { module: 'apex', level: 0, names: [] },
  ]);
});

test('imports: resolved from the importer (relative) or from the script folder and the folders above it (absolute)', () => {
  const files = new Set(['src/cli/train.py', 'src/models.py', 'src/losses/__init__.py', 'src/losses/focal.py', 'tools/train.py', 'yolov6/models/loss.py', 'yolov6/__init__.py']);
  const dirs = new Set(['src', 'src/cli', 'src/losses', 'tools', 'yolov6', 'yolov6/models']);
  assert.deepEqual(resolveImport({ module: 'models', level: 2, names: ['Net'] }, 'src/cli/train.py', 'src/cli/train.py', files, dirs).paths, ['src/models.py']);
  assert.deepEqual(resolveImport({ module: 'losses', level: 2, names: ['focal'] }, 'src/cli/train.py', 'src/cli/train.py', files, dirs).paths, ['src/losses/__init__.py', 'src/losses/focal.py']);
  assert.deepEqual(resolveImport({ module: 'yolov6.models.loss', level: 0, names: ['ComputeLoss'] }, 'tools/train.py', 'tools/train.py', files, dirs).paths, ['yolov6/models/loss.py']);
  // a third-party module is nobody's business here
  assert.deepEqual(resolveImport({ module: 'torch.nn', level: 0, names: [] }, 'tools/train.py', 'tools/train.py', files, dirs), { paths: [] });
  // a project package whose module is missing
  assert.deepEqual(resolveImport({ module: 'yolov6.core.engine', level: 0, names: ['Trainer'] }, 'tools/train.py', 'tools/train.py', files, dirs), {
    paths: [],
    missing: { pkg: 'yolov6', module: 'yolov6/core/engine' },
  });
});

test('runCode: follows imports transitively with a note per file, and stops at a cycle', async () => {
  const code = await codeOf({
    'train.py': 'from models import Darknet\nimport torch\n',
    'models.py': 'from utils.utils import build_targets\nimport models\n',
    'utils/utils.py': 'from models import Darknet  # a cycle back\ndef bbox_iou(a, b):\n    return a / b\n',
    'unrelated.py': 'x = 1\n',
  }, ['train.py'], []);
  assert.deepEqual(code, [
    { path: 'models.py', why: 'train.py imports it' },
    { path: 'utils/utils.py', why: 'models.py imports it (from train.py)' },
  ]);
});

test('runCode: relative imports inside a package, from a script run from the project root', async () => {
  const code = await codeOf({
    'model/training/trainer_sft.py': 'from utils import get_loss\n',
    'model/training/utils.py': 'from losses import CrossEntropyLoss, PolyLoss\n',
    'model/training/losses.py': 'import torch\n',
  }, ['model/training/trainer_sft.py'], []);
  assert.deepEqual(code.map((c) => c.path), ['model/training/utils.py', 'model/training/losses.py']);
});

test('runCode: bounded by depth and by file count', async () => {
  const chain: Record<string, string> = { 'train.py': 'import m0\n' };
  for (let i = 0; i < 10; i++) chain[`m${i}.py`] = `import m${i + 1}\n`;
  assert.equal((await codeOf(chain, ['train.py'], [], { maxDepth: 3 })).length, 3);
  assert.equal((await codeOf(chain, ['train.py'], [], { maxFiles: 2 })).length, 2);
});

test('runCode: a missing module of a project package brings in that package’s loss modules; a missing third-party module nothing', async () => {
  const code = await codeOf({
    'tools/train.py': 'from yolov6.core.engine import Trainer\nfrom mmcv.runner import Runner\n',
    'yolov6/models/loss.py': 'class ComputeLoss:\n    pass\n',
    'yolov6/models/heads.py': 'class Head:\n    pass\n',
    'yolov6/utils/figure_iou.py': 'class IOUloss:\n    pass\n',
    'yolov6/data/datasets.py': 'class Dataset:\n    pass\n',
  }, ['tools/train.py'], []);
  assert.deepEqual(code.map((c) => c.path), ['yolov6/models/loss.py', 'yolov6/utils/figure_iou.py']);
  assert.match(code[0].why, /a loss module of yolov6\/ \(tools\/train\.py imports yolov6\.core\.engine, which is not in the project\)/);
});

test('runCode: the loss a config names by type, and the loss a script names by string', async () => {
  assert.deepEqual(await lossNames("model = dict(loss=dict(type='CTCLoss'), head=dict(type='Head', loss_cls={'type': 'FocalLoss'}))\n"), ['CTCLoss', 'FocalLoss']);
  assert.deepEqual(await lossNames("model.compile(loss='binary_crossentropy', optimizer=sgd)\n"), ['binary_crossentropy']);
  const code = await codeOf({
    'configs/crnn.py': "model = dict(type='CRNN', loss=dict(type='CTCLoss'))\n",
    'ocr/losses/ctc_loss.py': 'class CTCLoss(nn.Module):\n    pass\n',
    'ocr/losses/ce_loss.py': 'class CELoss(nn.Module):\n    pass\n',
  }, [], ['configs/crnn.py']);
  assert.deepEqual(code, [{ path: 'ocr/losses/ctc_loss.py', why: "defines CTCLoss, the loss the run's config or script names" }]);
});

test('runCode: no script, a config inside a package (a run through the package’s own command): the package’s loss code', async () => {
  const code = await codeOf({
    'yolo/configs/default.yaml': 'lr0: 0.01\n',
    'yolo/v8/detect/train.py': 'class DetectionTrainer:\n    pass\n\nclass Loss:\n    pass\n',
    'yolo/utils/loss.py': 'class BboxLoss:\n    pass\n',
    'yolo/utils/ops.py': 'def xywh2xyxy(x):\n    return x\n',
  }, [], ['yolo/configs/default.yaml']);
  assert.deepEqual(code.map((c) => c.path).sort(), ['yolo/utils/loss.py', 'yolo/v8/detect/train.py']);
});

test('discover: the project modules a training script imports are scripts too, each with a note naming its importer', async () => {
  const root = mkdtempSync(join(tmpdir(), 'nan-doctor-imports-'));
  const files: Record<string, string> = {
    'train.py': 'import torch\nfrom models import Net\n\nfor x, y in loader:\n    loss = Net()(x, y)\n    loss.backward()\n    optimizer.step()\n',
    'models.py': 'from .losses import masked_loss\n',
    'losses.py': 'def masked_loss(x, m):\n    return x[m].mean()\n',
    'logs/train.log': 'step 1 loss 0.5\nstep 2 loss nan\n',
  };
  try {
    for (const [rel, text] of Object.entries(files)) {
      mkdirSync(dirname(join(root, rel)), { recursive: true });
      writeFileSync(join(root, rel), text);
    }
    const d = await discover(root, {});
    assert.deepEqual(d.scripts, ['train.py', 'models.py', 'losses.py']);
    assert.ok(d.notes.includes('script models.py: train.py imports it'), d.notes.join('\n'));
    assert.ok(d.notes.includes('script losses.py: models.py imports it (from train.py)'), d.notes.join('\n'));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
