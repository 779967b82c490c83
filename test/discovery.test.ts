import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { commandsInLog, discover, isLogPath } from '../src/engine/discovery';

const fixtures = join(__dirname, 'config', 'fixtures');

function workspace(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'nan-doctor-discover-'));
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, rel)), { recursive: true });
    writeFileSync(join(root, rel), text);
  }
  return root;
}

/** What discovery finds in a workspace of these files (removed afterwards). */
async function discovered(files: Record<string, string>) {
  const root = workspace(files);
  try {
    return await discover(root, {});
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

const script = readFileSync(join(fixtures, 'diffusers/train_stage1.py'), 'utf8');
const stage1 = readFileSync(join(fixtures, 'yaml/stage1.yaml'), 'utf8');
const trainLog = '2024-05-01 10:00:00 - INFO - ***** Running training *****\nSteps:   0%|          | 1/30000 [00:05<41:40:00, step_loss=0.132]\n';

test('discover: logs by name, the training script by what it does, the config through its --config default', async () => {
  const root = workspace({
    'scripts/train_stage1.py': script,
    'configs/train/stage1.yaml': stage1,
    'configs/train/stage2.yaml': stage1.replace('stage1', 'stage2'),
    'configs/inference/default.yaml': 'source_image: a.jpg\ndriving_audio: b.wav\n',
    'exp_output/stage1/train.log': trainLog,
    'slurm-1234.out': 'srun: job 1234 queued\n',
    'mlruns/0/abc/metrics/step_loss': '1714557600000 0.13 1\n',
    'data/train.jsonl': '{"text": "a"}\n',
    'node_modules/pkg/debug.log': 'x\n',
    '.venv/lib/site.log': 'x\n',
    'myenv/pyvenv.cfg': 'home = /usr/bin\n',
    'myenv/lib/pip.log': 'x\n',
    'package.json': '{"name": "x", "scripts": {"lr": "1", "optimizer": "2"}}',
  });
  try {
    const d = await discover(root, {});
    assert.deepEqual(d.logs.sort(), ['exp_output/stage1/train.log', 'mlruns/0/abc/metrics/step_loss', 'slurm-1234.out']);
    assert.deepEqual(d.scripts, ['scripts/train_stage1.py']);
    assert.deepEqual(d.configs, ['configs/train/stage1.yaml']);
    assert.ok(d.notes.includes('config configs/train/stage1.yaml: the --config default in scripts/train_stage1.py'), d.notes.join('\n'));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('discover: the command line of a run names the script and its config (a cluster path found by its tail)', async () => {
  const root = workspace({
    'scripts/train_stage1.py': script,
    'configs/train/stage1.yaml': stage1,
    'configs/train/stage2.yaml': stage1,
    'logs/run2.log': trainLog,
  });
  try {
    const command = 'accelerate launch --mixed_precision fp16 scripts/train_stage1.py --config /mnt/cluster/hallo/configs/train/stage2.yaml';
    const d = await discover(root, { runs: [{ log: 'logs/run2.log', formats: [], incident: null, steps: null, command }] });
    assert.deepEqual(d.logs, ['logs/run2.log']);
    assert.deepEqual(d.scripts, ['scripts/train_stage1.py']);
    assert.deepEqual(d.configs, ['configs/train/stage2.yaml'], 'the command line wins over the --config default');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('discover: a command line printed in the log itself, and a launch script with a DeepSpeed config', async () => {
  const root = workspace({
    'train_lm.py': 'import deepspeed\nengine.backward(loss)\nengine.step()\nloss.backward()\n',
    'ds_config.json': readFileSync(join(fixtures, 'deepspeed/ds_config_zero2.json'), 'utf8'),
    'ds_other.json': readFileSync(join(fixtures, 'deepspeed/ds_config_zero2.json'), 'utf8'),
    'run.log': '+ deepspeed --num_gpus 2 train_lm.py --deepspeed ds_config.json\n[2024-05-01 10:00:01,000] [INFO] step=1 loss=2.1\n',
  });
  try {
    assert.deepEqual(await commandsInLog(join(root, 'run.log')), ['deepspeed --num_gpus 2 train_lm.py --deepspeed ds_config.json']);
    const d = await discover(root, {});
    assert.deepEqual(d.scripts, ['train_lm.py']);
    assert.deepEqual(d.configs, ['ds_config.json']);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('discover: a shell launch script is a config (it sets values) and leads to the script and config it runs', async () => {
  const root = workspace({
    'scripts/launch_stage1.sh': readFileSync(join(fixtures, 'shell/launch_stage1.sh'), 'utf8'),
    'scripts/train_stage1.py': script.replace('./configs/train/stage1.yaml', './configs/none.yaml'),
    'configs/train/stage1.yaml': stage1,
    'out/train.log': trainLog,
  });
  try {
    const d = await discover(root, {});
    assert.deepEqual(d.scripts, ['scripts/train_stage1.py']);
    assert.deepEqual(d.configs.sort(), ['configs/train/stage1.yaml', 'scripts/launch_stage1.sh']);
    assert.ok(!d.notes.some((n) => n.includes('--config default')), 'the launch script gave the config, so the default is not consulted');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('discover: a Python UI that builds the logged launch command is read with the script it launches (its defaults set the flags)', async () => {
  // F5-TTS #341's layout: the Gradio finetune UI beside the CLI it launches, and a log that starts with the command it printed
  const ui = [
    'import os, subprocess',
    'file_train = os.path.abspath("src/tts/train/finetune_cli.py")',
    'def start_training(learning_rate=1e-5, mixed_precision="fp16"):',
    '    fp16 = f"--mixed_precision={mixed_precision}" if mixed_precision != "none" else ""',
    '    cmd = f"accelerate launch {fp16} {file_train} --learning_rate {learning_rate}"',
    '    subprocess.Popen(cmd, shell=True)',
    '',
  ].join('\n');
  const root = workspace({
    'src/tts/train/finetune_cli.py': 'import torch\nloss.backward()\noptimizer.step()\n',
    'src/tts/train/finetune_gradio.py': ui,
    // beside it, but it launches nothing: not read
    'src/tts/train/datasets_prepare.py': 'import os\nprint("finetune_cli.py expects data/ here")\n',
    // a launcher of another script: not read
    'src/tts/train/train_other.py': 'cmd = "torchrun train_other_model.py"\n',
    'finetune.log': 'accelerate launch --mixed_precision=fp16 /home/user/tts/src/tts/train/finetune_cli.py --learning_rate 1e-05\nEpoch 1/100:  41%|####1     | 87/212 [01:02<01:29,  1.40step/s, loss=0.698, step=299]\n',
  });
  try {
    const d = await discover(root, {});
    assert.deepEqual(d.scripts.sort(), ['src/tts/train/finetune_cli.py', 'src/tts/train/finetune_gradio.py']);
    assert.ok(d.notes.includes('script src/tts/train/finetune_gradio.py: it builds the command line that launches finetune_cli.py'), d.notes.join('\n'));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('discover: a Hugging Face Trainer subclass that builds its TrainingArguments in code is a training script', async () => {
  // pykoi #69's layout: the reward-model trainer subclasses Trainer, nothing in it calls backward() or .fit()
  const d = await discovered({
    'pykoi/rlhf/rw_finetuning.py': 'from transformers import Trainer, TrainingArguments\n\nclass RewardFinetuning(Trainer):\n    def __init__(self, config):\n        self.args = TrainingArguments(output_dir=config.output_dir)\n',
    'pykoi/rlhf/util.py': 'def count(x):\n    return len(x)\n',
    'rlhf_checkpoints/train.log': "{'loss': nan, 'learning_rate': 9.9e-06, 'epoch': 0.09}\n",
  });
  assert.deepEqual(d.scripts, ['pykoi/rlhf/rw_finetuning.py']);
});

test("discover: a package's __init__.py that holds the training loop (a Keras GradientTape loop) is a training script", async () => {
  // finetuner #34's layout: trainer/keras/__init__.py runs the loop, the loss code it imports is beside it
  const d = await discovered({
    'trainer/keras/__init__.py': 'import tensorflow as tf\nfrom .head_layers import TripletLayer\n\ndef fit(model, data, optimizer):\n    for x, y in data:\n        with tf.GradientTape() as tape:\n            loss = model(x)\n        grads = tape.gradient(loss, model.trainable_weights)\n        optimizer.apply_gradients(zip(grads, model.trainable_weights))\n',
    'trainer/keras/head_layers.py': 'import tensorflow as tf\n\nclass TripletLayer:\n    pass\n',
    'trainer/__init__.py': 'from .keras import fit\n',
    'logs/train.log': 'Epoch 1 loss: nan\n',
  });
  assert.deepEqual(d.scripts, ['trainer/keras/__init__.py', 'trainer/keras/head_layers.py']);
});

test('discover: training loops the usual markers miss: a NativeScaler call that does backward and step, its main script, a static graph minimized', async () => {
  // the MAE/DeiT family: the engine's loop hands the loss to `loss_scaler(...)`; main builds the optimizer and calls it
  const mae = await discovered({
    'engine_pretrain.py': 'import torch\n\ndef train_one_epoch(model, loader, optimizer, loss_scaler, max_norm=None):\n    for x, _ in loader:\n        with torch.cuda.amp.autocast():\n            loss = model(x)\n        loss_scaler(loss, optimizer, clip_grad=max_norm, parameters=model.parameters())\n        optimizer.zero_grad()\n',
    'main_pretrain.py': 'import torch\nfrom engine_pretrain import train_one_epoch\n\ndef main(args):\n    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr)\n    for epoch in range(args.epochs):\n        train_one_epoch(model, loader, optimizer, scaler)\n',
    'util/plots.py': 'def plot(values):\n    return values\n',
    'output/log_pretrain.txt': '[12:00:00] Epoch: [3]  [ 100/500]  loss: nan\n',
  });
  assert.deepEqual(mae.logs, ['output/log_pretrain.txt'], 'log_*.txt is training output by its name');
  assert.deepEqual([...mae.scripts].sort(), ['engine_pretrain.py', 'main_pretrain.py']);
  // PaddlePaddle fluid and TensorFlow 1 build a graph and minimize the loss: no backward() anywhere
  const fluid = await discovered({
    'train.py': 'import paddle.fluid as fluid\n\ndef build(loss):\n    optimizer = fluid.optimizer.Adam(learning_rate=1e-4)\n    optimizer.minimize(loss)\n',
    'train.log': '140/239 [===>...] - ETA: 12s - loss: nan\n',
  });
  assert.deepEqual(fluid.scripts, ['train.py']);
});

test('discover: a launch script that runs an installed training tool (onmt-main --config) leads to its config', async () => {
  // OpenNMT-tf #744: no training script of the project runs; config.yml sets one key
  const d = await discovered({
    'train.sh': '#!/bin/bash\nonmt-main --model_type GPT2Small --config config.yml --auto_config \\\n    train --with_eval --num_gpus 1 2>&1 | tee data/model_gpt/train.log\n',
    'config.yml': 'model_dir: data/model_gpt\nparams:\n  learning_rate: 2\n',
    'other.yml': 'params:\n  learning_rate: 0.1\n',
    'data/model_gpt/train.log': 'INFO:tensorflow:Evaluation result for step 435000: loss = 148890.718750 ; perplexity = inf\n',
  });
  assert.deepEqual(d.configs, ['train.sh', 'config.yml']);
  assert.deepEqual(d.scripts, []);
});

test('discover: a --config default that is not in the workspace is noted, not invented', async () => {
  const root = workspace({ 'train.py': script.replace('./configs/train/stage1.yaml', './configs/none.yaml'), 'train.log': trainLog });
  try {
    const d = await discover(root, {});
    assert.deepEqual(d.scripts, ['train.py']);
    assert.deepEqual(d.configs, []);
    assert.ok(d.notes.some((n) => n.startsWith('train.py: its --config default ./configs/none.yaml is not under')), d.notes.join('\n'));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('discover: named logs and --config win; files that set training keys are the last resort, nearest the log first', async () => {
  const root = workspace({
    'a/run/train.log': trainLog,
    'a/run/hparams.yaml': 'learning_rate: 1.0e-3\nmax_grad_norm: 1.0\n',
    'b/other.yaml': 'learning_rate: 1.0e-3\nwarmup_steps: 10\nweight_decay: 0.1\n',
    'b/other.log': trainLog,
    'c/notes.yaml': 'title: hello\n',
    'a/run/wandb/run-1/files/config.yaml': 'learning_rate:\n  value: 1.0e-3\nmax_grad_norm:\n  value: 1.0\nwarmup_steps:\n  value: 1\n',
    'docs/example.yaml': 'learning_rate: 1\nwarmup_steps: 1\n',
  });
  try {
    const named = await discover(root, { logs: ['b/other.log'], configs: ['c/notes.yaml'] });
    assert.deepEqual(named.logs, ['b/other.log']);
    assert.deepEqual(named.configs, ['c/notes.yaml']);
    assert.ok(named.notes.includes('config c/notes.yaml: named with --config'));

    const found = await discover(root, { logs: [join(root, 'a/run/train.log')] });
    assert.deepEqual(found.logs, ['a/run/train.log'], 'absolute paths come back relative to root');
    assert.deepEqual(found.configs, ['a/run/hparams.yaml', 'b/other.yaml', 'a/run/wandb/run-1/files/config.yaml'], 'a run dump comes last');
    assert.deepEqual(found.scripts, []);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('isLogPath: log names, structured outputs, and what is not a log', () => {
  for (const p of ['train.log', 'slurm-991.out', 'slurm-991.err', 'lightning_logs/version_0/metrics.csv', 'runs/x/events.out.tfevents.1714.host', 'out/checkpoint-20/trainer_state.json', 'mlruns/0/r/metrics/loss', 'wandb/run-1/files/output.log', 'metrics.jsonl']) {
    assert.equal(isLogPath(p), true, p);
  }
  for (const p of ['data/train.jsonl', 'datasets/x.jsonl', 'train.py', 'config.yaml', 'metrics.py', 'mlruns/0/r/params/lr']) assert.equal(isLogPath(p), false, p);
});

test('isLogPath: detectron2 output/log.txt and output/metrics.json, nested MLflow metric names', () => {
  for (const p of ['output/log.txt', 'output/metrics.json', 'runs/train_log.txt', 'mlruns/0/abc/metrics/eval/loss', 'out/mlruns/1/r/metrics/train/step/loss']) {
    assert.equal(isLogPath(p), true, p);
  }
  for (const p of ['requirements.txt', 'CHANGELOG.txt', 'catalog.txt', 'dialog.txt', 'mlruns/0/abc/artifacts/plot.png', 'mlruns/0/abc/meta.yaml']) assert.equal(isLogPath(p), false, p);
});

test('discover: detectron2 default outputs and a nested MLflow metric are training output', async () => {
  const root = workspace({
    'output/log.txt':
      '[11/25 18:00:05 d2.utils.events]:  eta: 0:12:34  iter: 19  total_loss: 2.104  loss_cls: 1.213  loss_box_reg: 0.6591  time: 0.3811  data_time: 0.0129  lr: 3.9962e-05  max_mem: 2694M\n' +
      '[11/25 18:00:13 d2.utils.events]:  eta: 0:12:26  iter: 39  total_loss: nan  loss_cls: nan  loss_box_reg: nan  time: 0.3807  data_time: 0.0121  lr: 7.9922e-05  max_mem: 2694M\n',
    'output/metrics.json':
      '{"data_time": 0.0129, "eta_seconds": 754.2, "fast_rcnn/cls_accuracy": 0.87, "iteration": 19, "loss_box_reg": 0.6591, "loss_cls": 1.213, "lr": 3.9962e-05, "time": 0.3811, "total_loss": 2.104}\n' +
      '{"data_time": 0.0121, "eta_seconds": 746.3, "fast_rcnn/cls_accuracy": 0.0, "iteration": 39, "loss_box_reg": NaN, "loss_cls": NaN, "lr": 7.9922e-05, "time": 0.3807, "total_loss": NaN}\n',
    'output/config.yaml': 'SOLVER:\n  BASE_LR: 0.02\n  IMS_PER_BATCH: 16\n  MAX_ITER: 90000\n',
    'mlruns/0/abc/metrics/eval/loss': '1732550005000 0.91 5\n1732550010000 nan 10\n',
    'mlruns/0/abc/meta.yaml': 'run_id: abc\nexperiment_id: \'0\'\n',
  });
  try {
    const d = await discover(root, {});
    assert.deepEqual([...d.logs].sort(), ['mlruns/0/abc/metrics/eval/loss', 'output/log.txt', 'output/metrics.json']);
    assert.ok(!d.configs.includes('output/metrics.json'), 'metrics.json is output, not a config');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
