import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRunAnalyzer } from '../../src/engine/output/analyzer';

function commandOf(log: string): string | undefined {
  const a = createRunAnalyzer('train.log');
  a.feed(log);
  a.end();
  return a.result().command;
}

test('launcher options before the script are part of the command line', () => {
  for (const command of [
    'accelerate launch --mixed_precision fp16 --num_processes 2 train.py --config x.yaml',
    'accelerate launch --multi_gpu train.py --config x.yaml',
    'torchrun --nproc_per_node=8 train.py --config configs/stage1.yaml',
    'torchrun --nnodes 1 --nproc_per_node 8 --master_port 29500 scripts/train.py',
    'deepspeed --num_gpus 8 train.py --deepspeed ds.json',
    'python -m torch.distributed.run --nproc_per_node 2 train.py --config x.yaml',
    'python3 -u -m torch.distributed.launch --nproc_per_node=2 --use_env tools/train.py configs/a.py',
    'python train.py --config x.yaml',
  ]) {
    assert.equal(commandOf(`${command}\nstep 1: loss=0.5\n`), command);
    // As a shell echoes it, and after environment settings.
    assert.equal(commandOf(`$ CUDA_VISIBLE_DEVICES=0,1 ${command}\nstep 1: loss=0.5\n`), command);
  }
});

test('lines that merely mention a launcher are not command lines', () => {
  for (const line of ['INFO - torchrun is available', 'python --version', 'deepspeed --num_gpus 8 --help', 'Using python 3.10 with torch 2.1']) {
    assert.equal(commandOf(`${line}\nstep 1: loss=0.5\n`), undefined, line);
  }
});
