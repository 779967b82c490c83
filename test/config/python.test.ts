import { test } from 'node:test';
import assert from 'node:assert/strict';
import { locate } from '../../src/engine/config/index';
import type { Range } from '../../src/engine/types';
import { assertAt, facts, fixture, lineOf, slice, value } from './helpers';

/** A cast's dtype choices without the condition trees (checked on their own). */
function withoutConditions(dtypes: unknown): unknown {
  return (dtypes as Record<string, unknown>[]).map(({ condition: _condition, ...rest }) => rest);
}

test('python: a diffusers/accelerate training script gives its settings and facts', async () => {
  const text = fixture('diffusers/train_stage1.py');
  const f = await locate('scripts/train_stage1.py', text);
  assert.equal(f.language, 'python');
  assert.equal(f.error, undefined);

  // argparse --config default
  const config = value(f, 'config');
  assertAt(text, config, '"./configs/train/stage1.yaml"', lineOf(text, 'add_argument("--config"'));
  assert.equal(config.value, './configs/train/stage1.yaml');
  const [configDefault] = facts(f, 'config-default');
  assert.equal(configDefault.detail?.path, './configs/train/stage1.yaml');

  // the validation trigger with its hard-coded first step
  const [trigger] = facts(f, 'validation-trigger');
  assert.equal(facts(f, 'validation-trigger').length, 1, 'the checkpointing `if` is not a validation trigger');
  assert.equal(trigger.text, 'if global_step % cfg.val.validation_steps == 0 or global_step == 1:');
  assert.equal(trigger.range.start.line, lineOf(text, 'cfg.val.validation_steps'));
  assert.equal(trigger.detail?.everyKey, 'val.validation_steps');
  assert.deepEqual(trigger.detail?.hardcodedSteps, [1]);
  assert.equal(trigger.detail?.stepVariable, 'global_step');
  assert.equal(slice(text, trigger.detail?.hardcodedRange as Range), 'or global_step == 1');
  assert.equal(slice(text, trigger.detail?.removeRange as Range), ' or global_step == 1');

  // the optimizer: class through `optimizer_cls = torch.optim.AdamW`, kwargs and the config keys they read
  const [optimizer] = facts(f, 'optimizer');
  assert.equal(optimizer.detail?.class, 'AdamW');
  assert.deepEqual(optimizer.detail?.classes, ['AdamW8bit', 'AdamW']);
  const kwargs = optimizer.detail?.kwargs as Record<string, { text: string; range: Range; configKey: string | null }>;
  assert.equal(kwargs.eps.configKey, 'solver.adam_epsilon');
  assert.equal(slice(text, kwargs.eps.range), 'cfg.solver.adam_epsilon');
  assert.equal(kwargs.lr.text, 'learning_rate');
  assert.equal(kwargs.lr.configKey, 'solver.learning_rate');
  assert.equal(kwargs.weight_decay.configKey, 'solver.adam_weight_decay');
  assert.deepEqual((optimizer.detail?.modules as string[]).sort(), ['denoising_unet', 'face_locator', 'imageproj', 'net', 'reference_unet']);

  // half casts: the trainable Net and the frozen VAE, both to weight_dtype chosen by cfg.weight_dtype
  const casts = facts(f, 'half-cast');
  assert.deepEqual(casts.map((c) => c.detail?.module).sort(), ['net', 'vae']);
  const net = casts.find((c) => c.detail?.module === 'net')!;
  assert.equal(net.detail?.trainable, true);
  assert.equal(net.detail?.dtypeExpr, 'weight_dtype');
  assert.deepEqual(withoutConditions(net.detail?.dtypes), [
    { dtype: 'torch.float16', when: 'cfg.weight_dtype == "fp16"', configKey: 'weight_dtype', configValue: 'fp16' },
    { dtype: 'torch.float32', when: 'cfg.weight_dtype == "fp32"', configKey: 'weight_dtype', configValue: 'fp32' },
  ]);
  assert.equal(net.range.end.line, lineOf(text, ').to(dtype=weight_dtype)'));
  const vae = casts.find((c) => c.detail?.module === 'vae')!;
  assert.equal(vae.detail?.trainable, false);
  assert.equal(vae.detail?.trainableEvidence, 'vae.requires_grad_(False)');

  // accelerate: mixed precision from the config; clipping through accelerator.clip_grad_norm_
  const [scaler] = facts(f, 'grad-scaler');
  assert.equal(scaler.detail?.source, 'accelerator');
  assert.equal((scaler.detail?.mixedPrecision as { configKey: string }).configKey, 'solver.mixed_precision');
  const [clip] = facts(f, 'clip-grad-norm');
  assert.equal((clip.detail?.maxNorm as { configKey: string }).configKey, 'solver.max_grad_norm');

  // which config keys the script reads
  const reads = new Set(f.configReads?.map((r) => r.keyPath));
  for (const key of ['solver.adam_epsilon', 'val.validation_steps', 'weight_dtype', 'solver.max_grad_norm', 'solver.learning_rate', 'config']) assert.ok(reads.has(key), key);
  const read = f.configReads!.find((r) => r.keyPath === 'val.validation_steps')!;
  assert.equal(slice(text, read.range), 'cfg.val.validation_steps');
});

test('python: a plain PyTorch AMP loop: argparse defaults, .half(), GradScaler, autocast, clipping, guards, triggers', async () => {
  const text = fixture('pytorch/train_amp.py');
  const f = await locate('train_amp.py', text);
  assert.equal(f.error, undefined);
  // `--learning-rate` is read as args.learning_rate, so that is its key
  assertAt(text, value(f, 'learning_rate'), '3e-4', lineOf(text, '--learning-rate'));
  assertAt(text, value(f, 'eps'), '1e-8', lineOf(text, '"--eps"'));
  assert.equal(value(f, 'clip').value, -1);
  assert.equal(value(f, 'config_path').value, 'configs/base.yaml');
  assert.equal(facts(f, 'config-default')[0].detail?.option, '--cfg');
  assert.equal(f.values.some((v) => v.keyPath === 'fp16'), false, 'store_true without a default has no value text');

  const [optimizer] = facts(f, 'optimizer');
  const kwargs = optimizer.detail?.kwargs as Record<string, { text: string; configKey: string | null }>;
  assert.equal(kwargs.lr.text, 'args.learning_rate', 'the second positional argument of a torch optimizer is lr');
  assert.equal(kwargs.lr.configKey, 'learning_rate');
  assert.equal(kwargs.eps.configKey, 'eps');

  const casts = facts(f, 'half-cast');
  assert.deepEqual(
    casts.map((c) => [c.detail?.module, c.detail?.dtypeExpr, c.detail?.trainable]),
    [
      ['teacher', 'torch.float16', false],
      ['model', 'weight_dtype', true],
    ],
  );
  assert.deepEqual(
    (casts[1].detail?.dtypes as { dtype: string; configKey: string }[]).map((d) => [d.dtype, d.configKey]),
    [
      ['torch.float16', 'fp16'],
      ['torch.float32', 'fp16'],
    ],
  );

  const [scaler] = facts(f, 'grad-scaler');
  assert.equal(scaler.detail?.source, 'GradScaler');
  assertAt(text, value(f, 'init_scale'), '2.0**16', lineOf(text, 'GradScaler('));
  assert.equal(value(f, 'init_scale').value, 65536);
  assert.equal(facts(f, 'autocast')[0].detail?.dtype, 'torch.float16');
  assert.equal((facts(f, 'clip-grad-norm')[0].detail?.maxNorm as { configKey: string }).configKey, 'clip');
  assert.deepEqual(
    facts(f, 'nan-guard').map((g) => g.detail?.function),
    ['set_detect_anomaly', 'isfinite'],
  );

  const triggers = facts(f, 'validation-trigger');
  assert.deepEqual(
    triggers.map((t) => [t.text, t.detail?.everyKey, t.detail?.stepVariable]),
    [
      ['if accelerator.is_main_process and step % 100 == 0:', null, 'step'],
      ['if epoch % args.eval_every == 0:', 'eval_every', 'epoch'],
    ],
  );
  assert.equal((triggers[0].detail?.every as { value: number }).value, 100);
});

test('python: an mmengine config module gives dotted paths into dict(...) settings', async () => {
  const text = fixture('mmengine/faster-rcnn_r50_fpn_amp-1x_coco.py');
  const f = await locate('configs/faster-rcnn_amp.py', text);
  assert.equal(f.error, undefined);
  const line = lineOf(text, "optimizer=dict(type='AdamW'");
  assertAt(text, value(f, 'optim_wrapper.optimizer.lr'), '2e-4', line);
  assertAt(text, value(f, 'optim_wrapper.optimizer.eps'), '1e-8', line);
  assertAt(text, value(f, 'optim_wrapper.optimizer.betas[1]'), '0.999', line);
  assertAt(text, value(f, 'optim_wrapper.type'), "'AmpOptimWrapper'", lineOf(text, "type='AmpOptimWrapper'"));
  assert.equal(value(f, 'optim_wrapper.type').value, 'AmpOptimWrapper');
  assertAt(text, value(f, 'optim_wrapper.clip_grad.max_norm'), '1.0', lineOf(text, 'clip_grad='));
  assert.equal(value(f, 'optim_wrapper.loss_scale').value, 'dynamic');
  assertAt(text, value(f, 'param_scheduler[0].end'), '500', lineOf(text, "type='LinearLR'"));
  assertAt(text, value(f, 'max_iters'), '1000', lineOf(text, 'max_iters = 1000'));
  // `val_interval=val_interval` is reported where the module-level value is written
  assertAt(text, value(f, 'train_cfg.val_interval'), '500', lineOf(text, 'val_interval = 500'));
  assertAt(text, value(f, 'default_hooks.checkpoint.interval'), '500', lineOf(text, 'CheckpointHook'));
  assert.equal(value(f, '_base_[2]').value, '../_base_/default_runtime.py');
});

test('python: a Keras script gives optimizer arguments, the mixed-precision policy and TerminateOnNaN', async () => {
  const text = fixture('keras/train_mnist.py');
  const f = await locate('train_mnist.py', text);
  assert.equal(f.error, undefined);
  const line = lineOf(text, 'keras.optimizers.Adam(');
  assertAt(text, value(f, 'learning_rate'), '0.01', line);
  assertAt(text, value(f, 'epsilon'), '1e-7', line);
  assertAt(text, value(f, 'clipnorm'), '1.0', line);
  assertAt(text, value(f, 'mixed_precision'), "'mixed_float16'", lineOf(text, 'set_global_policy'));
  assert.equal(value(f, 'mixed_precision').value, 'mixed_float16');
  const [optimizer] = facts(f, 'optimizer');
  assert.equal(optimizer.detail?.class, 'Adam');
  assert.equal(facts(f, 'optimizer').length, 1, 'compile(optimizer=optimizer) is the same optimizer');
  assert.equal(facts(f, 'autocast')[0].detail?.policy, 'mixed_float16');
  assert.equal(facts(f, 'nan-guard')[0].detail?.function, 'TerminateOnNaN');

  const compiled = await locate('k.py', 'model.compile(optimizer="adam", loss="mse")\n');
  assert.equal(facts(compiled, 'optimizer')[0].detail?.class, 'adam');
  assert.equal(value(compiled, 'optimizer').text, '"adam"');
});

test('python: HF Trainer and Lightning Trainer keyword settings in a script', async () => {
  const text = [
    'from transformers import Trainer, TrainingArguments',
    'import lightning as L',
    'args = TrainingArguments(output_dir="out", learning_rate=5e-5, fp16=True, max_grad_norm=0.0, warmup_ratio=0.1)',
    'trainer = L.Trainer(precision="16-mixed", gradient_clip_val=0.5)',
    '',
  ].join('\n');
  const f = await locate('train_hf.py', text);
  assertAt(text, value(f, 'learning_rate'), '5e-5', 2);
  assert.equal(value(f, 'fp16').value, true);
  assertAt(text, value(f, 'max_grad_norm'), '0.0', 2);
  assertAt(text, value(f, 'precision'), '"16-mixed"', 3);
  assertAt(text, value(f, 'gradient_clip_val'), '0.5', 3);
});

test('python: a syntax error is reported with its line, and the rest of the file is still read', async () => {
  const text = [
    'import torch',
    'optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3, eps=1e-8)',
    'def broken(:',
    '    pass',
    'max_iters = 1000',
    '',
  ].join('\n');
  const f = await locate('broken.py', text);
  assert.match(f.error ?? '', /^invalid Python in broken\.py: line 3: /);
  assertAt(text, value(f, 'eps'), '1e-8', 1);
  assertAt(text, value(f, 'max_iters'), '1000', 4);
});

test('python: ranges count UTF-16 characters as LSP does, after non-ASCII text', async () => {
  const text = '# learning rate — très petit ✓ 🚀\nlr = 1e-4  # 学习率\noptimizer = AdamW(params, eps=1e-8)  # ε\n';
  const f = await locate('cfg.py', text);
  assertAt(text, value(f, 'lr'), '1e-4', 1);
  assertAt(text, value(f, 'eps'), '1e-8', 2);
});

test('python: diffusers text-to-image dtype choice from accelerator.mixed_precision; a trigger with the hard-coded step first', async () => {
  const text = [
    'unet = UNet2DConditionModel.from_pretrained(args.pretrained_model_name_or_path, subfolder="unet")',
    'text_encoder = CLIPTextModel.from_pretrained(args.pretrained_model_name_or_path, subfolder="text_encoder")',
    'text_encoder.requires_grad_(False)',
    'weight_dtype = torch.float32',
    'if accelerator.mixed_precision == "fp16":',
    '    weight_dtype = torch.float16',
    'elif accelerator.mixed_precision == "bf16":',
    '    weight_dtype = torch.bfloat16',
    'text_encoder.to(accelerator.device, dtype=weight_dtype)',
    'optimizer = optimizer_cls(unet.parameters(), lr=args.learning_rate, eps=args.adam_epsilon)',
    'unet, optimizer, train_dataloader = accelerator.prepare(unet, optimizer, train_dataloader)',
    'for step, batch in enumerate(train_dataloader):',
    '    latents = vae.encode(batch["pixel_values"].to(weight_dtype)).latent_dist.sample()',
    '    if global_step == 1 or global_step % args.validation_steps == 0:',
    '        log_validation(unet, args, accelerator, weight_dtype, global_step)',
    '',
  ].join('\n');
  const f = await locate('train_text_to_image.py', text);
  const casts = facts(f, 'half-cast');
  assert.equal(casts.length, 1, 'the batch tensor cast is not a module cast');
  assert.equal(casts[0].detail?.module, 'text_encoder');
  assert.equal(casts[0].detail?.trainable, false);
  assert.deepEqual(withoutConditions(casts[0].detail?.dtypes), [
    { dtype: 'torch.float32', when: null, configKey: null, configValue: null },
    { dtype: 'torch.float16', when: 'accelerator.mixed_precision == "fp16"', configKey: 'mixed_precision', configValue: 'fp16' },
    { dtype: 'torch.bfloat16', when: 'accelerator.mixed_precision == "bf16"', configKey: 'mixed_precision', configValue: 'bf16' },
  ]);
  // the whole chain: the elif runs only when the if did not
  const elif = (casts[0].detail?.dtypes as { condition?: unknown }[])[2].condition;
  assert.deepEqual(elif, {
    op: 'and',
    args: [
      { op: 'not', arg: { op: 'eq', key: 'mixed_precision', value: 'fp16' } },
      { op: 'eq', key: 'mixed_precision', value: 'bf16' },
    ],
  });
  const [trigger] = facts(f, 'validation-trigger');
  assert.equal(trigger.detail?.everyKey, 'validation_steps');
  assert.deepEqual(trigger.detail?.hardcodedSteps, [1]);
  assert.equal(slice(text, trigger.detail?.hardcodedRange as Range), 'global_step == 1 or');
  assert.equal(slice(text, trigger.detail?.removeRange as Range), 'global_step == 1 or ');
});
