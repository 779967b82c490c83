import { test } from 'node:test';
import assert from 'node:assert/strict';
import { locate } from '../../src/engine/config/index.ts';
import { hyperparameterValues, readHyperparameters } from '../../src/engine/hyperparameters/read.ts';
import { fixture } from './helpers.ts';

test('the seed config: solver.* and weight_dtype under canonical names, each with where it is set', async () => {
  const yaml = 'solver:\n  mixed_precision: "no"\n  max_grad_norm: 1.0\n  learning_rate: 1.0e-5\n  scale_lr: False\n  lr_warmup_steps: 1\n  adam_epsilon: 1.0e-8\nval:\n  validation_steps: 500\nweight_dtype: "fp16" # [fp16, fp32]\n';
  const hp = readHyperparameters([await locate('stage1.yaml', yaml)]);
  assert.deepEqual(hyperparameterValues(hp), {
    mixed_precision: 'no',
    max_grad_norm: 1,
    learning_rate: 1e-5,
    scale_lr: false,
    warmup_steps: 1,
    adam_epsilon: 1e-8,
    validation: 500,
    weight_dtype: 'fp16',
  });
  assert.equal(hp.adam_epsilon?.at.keyPath, 'solver.adam_epsilon');
  assert.equal(hp.adam_epsilon?.at.text, '1.0e-8');
  assert.deepEqual(hp.adam_epsilon?.at.range, { start: { line: 6, character: 16 }, end: { line: 6, character: 22 } });
});

test('every framework spelling maps to the same names', async () => {
  const cases: [string, Record<string, unknown>][] = [
    ['hf-trainer/train_args_high_lr.json', { learning_rate: 5e-3, adam_epsilon: 1e-8, max_grad_norm: 0, mixed_precision: 'fp16', warmup_steps: 0, validation: 200, optimizer: 'adamw_torch', batch_size: 8 }],
    ['lightning/config_16_true.yaml', { learning_rate: 3e-4, adam_epsilon: 1e-8, max_grad_norm: 1, weight_dtype: 'fp16', mixed_precision: 'no', optimizer: 'AdamW', validation: '1.0 epoch' }],
    ['deepspeed/ds_config_scale32.json', { learning_rate: 1e-4, adam_epsilon: 1e-8, max_grad_norm: 1, mixed_precision: 'fp16', warmup_steps: 1000, initial_scale_power: 32, min_loss_scale: 1, loss_scale: 'dynamic', optimizer: 'AdamW' }],
    ['mmengine/upernet_swin_amp_high_lr.py', { learning_rate: 0.01, max_grad_norm: null, mixed_precision: 'fp16', warmup_steps: 1500, validation: 16000, loss_scale: 'dynamic', optimizer: 'AdamW', batch_size: 2 }],
    ['keras/train_mnist_float16.py', { learning_rate: 1e-3, adam_epsilon: 1e-8, max_grad_norm: 1, weight_dtype: 'fp16', mixed_precision: 'no', optimizer: 'Adam' }],
    ['diffusers/train_text_to_image_scale_lr.sh', { learning_rate: 1e-4, max_grad_norm: 1, mixed_precision: 'fp16', warmup_steps: 0, scale_lr: true, batch_size: 16, gradient_accumulation_steps: 4 }],
  ];
  for (const [path, expected] of cases) {
    const values = hyperparameterValues(readHyperparameters([await fixture(path)]));
    for (const [name, value] of Object.entries(expected)) assert.deepEqual(values[name], value, `${path}: ${name}`);
  }
});

test('a boolean mixed_precision is torch AMP: true is fp16, false is none (Coqui TTS recipes)', async () => {
  for (const [flag, want] of [['true', 'fp16'], ['false', 'no']] as const) {
    const file = await locate('recipes/ljspeech/tacotron2-DDC/tacotron2-DDC.json', `{\n  "run_name": "ljspeech-ddc",\n  "mixed_precision": ${flag},\n  "lr": 0.001\n}\n`);
    assert.equal(hyperparameterValues(readHyperparameters([file])).mixed_precision, want);
  }
});

test('a command line overrides the config, which overrides a script default', async () => {
  const config = await locate('config.yaml', 'learning_rate: 1.0e-5\n');
  const script = await locate('train.py', 'import argparse\nparser = argparse.ArgumentParser()\nparser.add_argument("--learning_rate", type=float, default=1e-3)\n');
  assert.equal(readHyperparameters([script, config]).learning_rate?.value, 1e-5);
  const launch = await locate('run.sh', 'python train.py --config config.yaml --learning_rate=3e-4\n');
  const hp = readHyperparameters([script, config, launch]);
  assert.equal(hp.learning_rate?.value, 3e-4);
  assert.equal(hp.learning_rate?.at.file, 'run.sh');
  assert.equal(hp.all.learning_rate.length, 3);
});

test("eps of a norm layer is not the optimizer's epsilon", async () => {
  const cfg = await locate('model.yaml', 'model:\n  layer_norm:\n    eps: 1.0e-12\noptimizer:\n  eps: 1.0e-6\n');
  assert.equal(readHyperparameters([cfg]).adam_epsilon?.value, 1e-6);
});
