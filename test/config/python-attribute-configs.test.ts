// yacs / EasyDict default files set settings by attribute: `_C.SOLVER.BASE_LR = 0.001`, `__C.TRAIN.LR_INIT = 1e-2`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { locate } from '../../src/engine/config/index.ts';
import { readHyperparameters } from '../../src/engine/hyperparameters/read.ts';

test('attribute assignments at module level are settings under their dotted path', async () => {
  const file = await locate('core/config.py', 'from easydict import EasyDict as edict\n__C = edict()\ncfg = __C\n__C.TRAIN = edict()\n__C.TRAIN.BATCH_SIZE = 10\n__C.TRAIN.LR_INIT = 1e-2\n__C.TRAIN.WARMUP_EPOCHS = 10\n');
  assert.deepEqual(file.values.map((v) => `${v.keyPath}=${v.value}@${v.range.start.line + 1}`), ['TRAIN.BATCH_SIZE=10@5', 'TRAIN.LR_INIT=0.01@6', 'TRAIN.WARMUP_EPOCHS=10@7']);
  assert.equal(readHyperparameters([file]).learning_rate?.value, 0.01);
  // a root the config-override reader already knows (`cfg`, `args`) is one setting, not two
  const known = await locate('x.py', 'cfg.SOLVER.BASE_LR = 0.01\n');
  assert.deepEqual(known.values.map((v) => `${v.keyPath}=${v.value}`), ['SOLVER.BASE_LR=0.01']);
  // a module attribute set to something computed is no setting
  const computed = await locate('x.py', 'import torch\ntorch.backends.cudnn.benchmark = compute()\n');
  assert.deepEqual(computed.values, []);
});
