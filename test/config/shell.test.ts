import { test } from 'node:test';
import assert from 'node:assert/strict';
import { locate, locateCommandLine } from '../../src/engine/config/index';
import { launchOf, shellCommands, shellLaunches } from '../../src/engine/config/shell';
import { assertAt, fixture, lineOf, slice, value } from './helpers';

test('shell: a SLURM/accelerate launch script across backslash-continued lines', async () => {
  const text = fixture('shell/launch_stage1.sh');
  const f = await locate('scripts/launch_stage1.sh', text);
  assert.equal(f.language, 'shell');
  assert.equal(f.error, undefined);
  assertAt(text, value(f, 'mixed_precision'), 'fp16', lineOf(text, 'accelerate launch'));
  assert.equal(value(f, 'num_processes').value, 2);
  assertAt(text, value(f, 'config'), 'configs/train/stage1.yaml', lineOf(text, '--config'));
  assertAt(text, value(f, 'adam_epsilon'), '"1e-8"', lineOf(text, '--adam_epsilon'));
  assert.equal(value(f, 'adam_epsilon').value, 1e-8);
  assert.equal(value(f, 'gradient_checkpointing').value, true);
  assert.equal(value(f, 'max_grad_norm').value, 0.5);
  // `--learning_rate=$LR` is reported where LR is written, like a YAML alias.
  const lr = value(f, 'learning_rate');
  assertAt(text, lr, '1e-4', lineOf(text, 'LR=1e-4'));
  assert.equal(lr.value, 1e-4);
  assertAt(text, value(f, 'LR'), '1e-4', lineOf(text, 'LR=1e-4'));
  assertAt(text, value(f, 'MASTER_PORT'), '29501', lineOf(text, 'MASTER_PORT'));
  // `#SBATCH --gres=…` is a comment to the shell.
  assert.equal(f.values.some((v) => v.keyPath === 'gres'), false);
});

test('shell: launches name the script and the configs, whatever the launcher', () => {
  const text = fixture('shell/launch_stage1.sh');
  assert.deepEqual(shellLaunches(text), [
    { launcher: 'accelerate', script: 'scripts/train_stage1.py', configs: ['configs/train/stage1.yaml'], positional: [] },
    { launcher: 'deepspeed', script: 'train_lm.py', configs: ['ds_config.json'], positional: [] },
  ]);
  const one = (cmd: string) => launchOf(shellCommands(cmd)[0]);
  assert.deepEqual(one('torchrun --nproc_per_node=8 train.py --config=configs/a.yaml'), { launcher: 'torchrun', script: 'train.py', configs: ['configs/a.yaml'], positional: [] });
  assert.deepEqual(one('CUDA_VISIBLE_DEVICES=0 python tools/train.py configs/faster_rcnn.py --amp'), { launcher: 'python', script: 'tools/train.py', configs: [], positional: ['configs/faster_rcnn.py'] });
  assert.deepEqual(one('python -m torch.distributed.run --nproc_per_node 2 train.py -c cfg.yaml'), { launcher: 'python', script: 'train.py', configs: ['cfg.yaml'], positional: [] });
  assert.deepEqual(one('python -m mypkg.train fit --config lightning.yaml'), { launcher: 'python', script: 'mypkg.train', configs: ['lightning.yaml'], positional: ['fit'] });
  assert.deepEqual(one('accelerate launch --config_file accelerate.yaml train.py'), { launcher: 'accelerate', script: 'train.py', configs: ['accelerate.yaml'], positional: [] });
  assert.equal(one('ls -la'), null);
  // `accelerate launch -m` takes the module after its own options; a launch script takes positional arguments
  assert.deepEqual(one('accelerate launch -m --config_file a.yaml --num_processes 1 scripts.train_stage1 --config c.yaml'), { launcher: 'accelerate', script: 'scripts.train_stage1', configs: ['a.yaml', 'c.yaml'], positional: [] });
  assert.deepEqual(one('bash tools/dist_train.sh configs/x.py 4'), { launcher: 'bash', script: 'tools/dist_train.sh', configs: [], positional: ['configs/x.py', '4'] });
});

test('command line: values from a command seen in a log, on that log line', () => {
  const command = 'accelerate launch --mixed_precision fp16 train.py --config configs/stage1.yaml --learning_rate=1e-3';
  const values = locateCommandLine(command, 'train.log', 3);
  const get = (k: string) => values.find((v) => v.keyPath === k)!;
  const mp = get('mixed_precision');
  assert.equal(mp.source, 'command');
  assert.equal(mp.file, 'train.log');
  assert.equal(mp.value, 'fp16');
  assert.deepEqual(mp.range, { start: { line: 3, character: 36 }, end: { line: 3, character: 40 } });
  assert.equal(command.slice(mp.range.start.character, mp.range.end.character), 'fp16');
  const lr = get('learning_rate');
  assert.equal(lr.value, 1e-3);
  assert.equal(command.slice(lr.range.start.character, lr.range.end.character), '1e-3');
  assert.equal(command.slice(lr.keyRange!.start.character, lr.keyRange!.end.character), '--learning_rate=1e-3');
  assert.equal(get('config').value, 'configs/stage1.yaml');
  assert.equal(slice(command, { start: { line: 0, character: get('config').range.start.character }, end: { line: 0, character: get('config').range.end.character } }), 'configs/stage1.yaml');
});

test('command line: a negative number is a value, `--mixed_precision no` stays the string "no"', () => {
  const values = locateCommandLine('python train.py --warmup -1 --mixed_precision no --fp16', 'run.log');
  assert.deepEqual(
    values.map((v) => [v.keyPath, v.value, v.text]),
    [
      ['warmup', -1, '-1'],
      ['mixed_precision', 'no', 'no'],
      ['fp16', true, '--fp16'],
    ],
  );
});

test('shell: `${VAR:-default}` is the variable where it is set, else the default where it is written', async () => {
  const text = 'EPS=1e-6\npython train.py --adam_epsilon ${EPS:-1e-8} --learning_rate "${LR:-3e-4}"\n';
  const f = await locate('run.sh', text);
  assertAt(text, value(f, 'adam_epsilon'), '1e-6', 0);
  const lr = value(f, 'learning_rate');
  assertAt(text, lr, '3e-4', 1);
  assert.equal(lr.value, 3e-4);
});

test('shell: options kept in a quoted variable and the launch kept in another (Megatron-style scripts) are read', async () => {
  // ru-gpts #63's layout: gpt_options="…" across continued lines, run_cmd="… python ../pretrain_gpt3.py ${gpt_options}"
  const text = [
    '#!/bin/bash',
    'NUM_GPUS_PER_WORKER=1',
    'gpt_options=" \\',
    '       --batch-size 1 \\',
    '       --lr 0.0002 \\',
    '       --fp16 \\',
    '       --deepspeed_config src/ds_config.json \\',
    '"',
    'run_cmd="USE_DEEPSPEED=1 mpirun --np ${NUM_GPUS_PER_WORKER} python ../pretrain_gpt3.py $@ ${gpt_options}"',
    'eval ${run_cmd}',
    '',
  ].join('\n');
  const f = await locate('scripts/deepspeed_gpt3_medium.sh', text);
  const value = (key: string) => f.values.find((v) => v.keyPath === key);
  assert.deepEqual([value('lr')?.value, value('lr')?.range.start.line, value('lr')?.text], [0.0002, 4, '0.0002']);
  assert.deepEqual([value('fp16')?.value, value('fp16')?.range.start.line, value('fp16')?.text], [true, 5, '--fp16']);
  assert.deepEqual(shellLaunches(text), [{ launcher: 'mpirun', script: '../pretrain_gpt3.py', configs: [], positional: ['$@', '${gpt_options}'] }]);
  // a quoted value that holds no options is only the variable
  assert.deepEqual((await locate('run.sh', 'MSG="training --- done"\necho "$MSG"\n')).values.map((v) => v.keyPath), ['MSG']);
});
