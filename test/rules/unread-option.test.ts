// An argparse option that nothing in the run reads (`--warmup_steps 4000` with no scheduler using it) has no
// effect: it is not the run's setting, and a declared warmup that never happens is the warmup rule's finding.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { locate } from '../../src/engine/config/index.ts';
import { analyze } from '../../src/engine/diagnose.ts';
import { readHyperparameters } from '../../src/engine/hyperparameters/read.ts';
import { byCode, expectOne, run } from './helpers.ts';

const script = (body: string) => `import argparse
import torch


def main(lr, warmup_steps, epochs):
    model = torch.nn.Linear(4, 4)
    optimizer = torch.optim.Adamax(model.parameters(), lr=lr)
${body}

if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument('--lr', type=float, default=5e-4)
    parser.add_argument('--warmup_steps', type=int, default=4000)
    parser.add_argument('--epochs', type=int, default=250)
    main(**vars(parser.parse_args()))
`;

test('a warmup declared and never read: no warmup setting, and an error on its declaration when the loss went NaN early', async () => {
  const file = await locate('train.py', script('    for epoch in range(epochs):\n        optimizer.step()\n'));
  assert.equal(readHyperparameters([file]).warmup_steps, undefined);
  const d = expectOne(analyze([run({ line: 6, step: 18, metric: 'total_loss' })], [file]), 'warmup', 'error', 'train.py', 15);
  assert.match(d.message, /^--warmup_steps 4000 is declared but nothing in the run reads it: there is no warmup/);
  assert.deepEqual(d.related.map((r) => r.line), [6, 7], 'the NaN, and the optimizer no warmup schedule wraps');
  // and where the fix goes: the optimizer no schedule wraps
  const at = expectOne(analyze([run({ line: 6, step: 18, metric: 'total_loss' })], [file]), 'warmup', 'warning', 'train.py', 7);
  assert.match(at.message, /no warmup schedule wraps it, though --warmup_steps 4000 is declared \(train\.py:15\)/);
});

test('the same option read by a scheduler is the run\'s warmup, and gets no such finding', async () => {
  const file = await locate('train.py', script('    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: min(1.0, s / warmup_steps))\n'));
  assert.equal(readHyperparameters([file]).warmup_steps?.value, 4000);
  assert.equal(byCode(analyze([run({ line: 6, step: 18, metric: 'total_loss' })], [file]), 'warmup').length, 0);
});

test('an option another file of the run reads (args handed to a trainer module) is read', async () => {
  const main = await locate('train.py', script('    Trainer(optimizer, epochs).fit()\n'));
  const trainer = await locate('trainer.py', 'class Trainer:\n    def __init__(self, args):\n        self.warmup = args.warmup_steps\n');
  assert.equal(readHyperparameters([main, trainer]).warmup_steps?.value, 4000);
});

// pykoi #69's layout: a dataclass of arguments (HfArgumentParser makes each field an option) and the trainer that
// builds its TrainingArguments from some of them.
const argumentsDataclass = `from dataclasses import dataclass, field
from typing import Optional


@dataclass
class RLHFConfig:
    learning_rate: Optional[float] = field(default=1e-5, metadata={"help": "Learning rate."})
    fp16: Optional[bool] = field(default=True, metadata={"help": "Enable FP16."})
    bf16: bool = False
    output_dir: str = "./rlhf_checkpoints"


class NotArguments:
    learning_rate: float = 3.0
`;
const trainer = (keywords: string) => `from transformers import Trainer, TrainingArguments


class RewardFinetuning(Trainer):
    def __init__(self, rlhf_config):
        self.args = TrainingArguments(output_dir=rlhf_config.output_dir, learning_rate=rlhf_config.learning_rate, ${keywords})
`;

test("a dataclass of arguments gives defaults like argparse's; a field nothing reads chooses nothing", async () => {
  const config = await locate('pykoi/rlhf/config.py', argumentsDataclass);
  assert.deepEqual(
    config.values.map((v) => [v.keyPath, v.value, v.option]),
    [
      ['learning_rate', 1e-5, '--learning_rate'],
      ['fp16', true, '--fp16'],
      ['bf16', false, '--bf16'],
      ['output_dir', './rlhf_checkpoints', '--output_dir'],
    ],
    'a plain class attribute is no argument',
  );
  const nan = run({ line: 4, step: null, metric: 'loss' }, 'rlhf_checkpoints/train.log');
  // fp16=True is declared, but the TrainingArguments never pass it: no fp16 suspect on it
  const unread = [config, await locate('pykoi/rlhf/rw_finetuning.py', trainer('bf16=rlhf_config.bf16'))];
  assert.equal(readHyperparameters(unread).learning_rate?.value, 1e-5);
  assert.equal(readHyperparameters(unread).mixed_precision, undefined);
  assert.equal(byCode(analyze([nan], unread), 'precision').length, 0);
  // passed on, it is the run's fp16 choice
  const read = [config, await locate('pykoi/rlhf/rw_finetuning.py', trainer('fp16=rlhf_config.fp16'))];
  assert.equal(readHyperparameters(read).mixed_precision?.value, 'fp16');
  expectOne(analyze([nan], read), 'precision', 'warning', 'pykoi/rlhf/config.py', 8);
});
