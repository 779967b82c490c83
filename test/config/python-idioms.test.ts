// The Python idioms real training scripts use to pick a setting: branches on config values, dtype tables,
// optimizer classes chosen by a flag, parameters made trainable in a loop, and the config the script overrides.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { locate } from '../../src/engine/config/index';
import { configLookup, holds, ruledOut } from '../../src/engine/config/conditions';
import type { LocatedFile } from '../../src/engine/types';
import { PythonScope } from '../../src/engine/config/python-scope';
import { pythonParser } from '../../src/engine/config/treesitter';
import { branchCondition } from '../../src/engine/config/python-branches';
import { facts, lineOf, slice } from './helpers';

const py = (...lines: string[]) => lines.join('\n') + '\n';

test('python: a value set in an if/elif/else chain carries the whole condition of its branch', async () => {
  const text = py(
    'import json',
    'with open(args.deepspeed_config) as f:',
    '    ds_config = json.load(f)',
    'if "chatglm" in args.model_name_or_path:',
    '    ds_config["fp16"]["enabled"] = True',
    'elif "t5" in args.model_name_or_path:',
    '    ds_config["fp16"]["enabled"] = False',
    'else:',
    '    ds_config["fp16"]["enabled"] = True',
  );
  const f = await locate('train.py', text);
  const enabled = f.values.filter((v) => v.keyPath === 'fp16.enabled');
  assert.deepEqual(
    enabled.map((v) => [v.range.start.line, v.value]),
    [
      [4, true],
      [6, false],
      [8, true],
    ],
  );
  const contains = (value: string) => ({ op: 'contains', key: 'model_name_or_path', value });
  assert.deepEqual(enabled[0].when, contains('chatglm'));
  assert.deepEqual(enabled[1].when, { op: 'and', args: [{ op: 'not', arg: contains('chatglm') }, contains('t5')] });
  assert.deepEqual(enabled[2].when, { op: 'not', arg: { op: 'or', args: [contains('chatglm'), contains('t5')] } });

  // a launch script's model path takes the else branch
  const launch: LocatedFile = await locate('run.sh', 'MODEL=/models/Llama-2-7b-hf\ndeepspeed train.py --model_name_or_path ${MODEL}\n');
  const lookup = configLookup([f, launch]);
  assert.deepEqual(enabled.map((v) => holds(v.when, lookup)), [false, false, true]);
  // without the launch script nothing tells which model it is
  assert.deepEqual(enabled.map((v) => holds(v.when, configLookup([f]))), [undefined, undefined, undefined]);
});

test('python: a condition compares a config value only where the operand is that value, not an expression containing it', async () => {
  const text = py(
    'for epoch in range(args.num_train_epochs):',
    '    if args.validation_prompt is not None and epoch % args.validation_epochs == 0:',
    '        pipeline = make_pipeline(unet)',
  );
  const tree = (await pythonParser()).parse(text)!;
  const scope = new PythonScope(tree.rootNode);
  const call = tree.rootNode.descendantsOfType('call').find((c) => !!c && c.text.startsWith('make_pipeline'))!;
  assert.deepEqual(branchCondition(call, scope), {
    op: 'and',
    args: [
      { op: 'not', arg: { op: 'eq', key: 'validation_prompt', value: null } },
      { op: 'unknown', text: 'epoch % args.validation_epochs == 0' },
    ],
  });
  tree.delete();
});

test('python: the optimizer class chosen by a flag, with store_true flags off unless given', async () => {
  const text = py(
    'import argparse, torch.optim as optim',
    'parser = argparse.ArgumentParser()',
    "parser.add_argument('--adam', action='store_true')",
    "parser.add_argument('--offload', action='store_true')",
    'opt = parser.parse_args()',
    'if opt.adam:',
    "    optimizer = optim.Adam(pg0, lr=hyp['lr0'])",
    'else:',
    "    optimizer = optim.SGD(pg0, lr=hyp['lr0'], momentum=0.9)",
    'optimizer_class = DeepSpeedCPUAdam if opt.offload else FusedAdam',
    'optimizer2 = optimizer_class(params, lr=1e-4)',
  );
  const f = await locate('train.py', text);
  assert.deepEqual(
    facts(f, 'cli-flag').map((x) => [x.detail?.dest, x.detail?.default]),
    [
      ['adam', false],
      ['offload', false],
    ],
  );
  const [adam, sgd, chosen] = facts(f, 'optimizer');
  assert.deepEqual(adam.when, { op: 'truthy', key: 'adam' });
  assert.deepEqual(sgd.when, { op: 'not', arg: { op: 'truthy', key: 'adam' } });
  assert.deepEqual(chosen.detail?.classChoices, [
    { class: 'DeepSpeedCPUAdam', when: { op: 'truthy', key: 'offload' } },
    { class: 'FusedAdam', when: { op: 'not', arg: { op: 'truthy', key: 'offload' } } },
  ]);

  // a comment inside the conditional expression is no part of it
  const commented = await locate('t.py', py('cls = (bnb.optim.AdamW8bit  # saves memory', '       if cfg.use_8bit else torch.optim.AdamW)', 'opt = cls(params, lr=1e-4)'));
  assert.deepEqual(
    (facts(commented, 'optimizer')[0].detail?.classChoices as { class: string }[]).map((c) => c.class),
    ['AdamW8bit', 'AdamW'],
  );

  const defaults = configLookup([f]);
  assert.equal(ruledOut(adam, defaults), true, 'no --adam: the Adam branch did not run');
  assert.equal(ruledOut(sgd, defaults), false);
  const withAdam = configLookup([f, await locate('run.sh', 'python train.py --adam --weights ""\n')]);
  assert.equal(ruledOut(adam, withAdam), false, '--adam on the command line');
  assert.equal(ruledOut(sgd, withAdam), true);
});

test('python: dtype picked through a dict, .get, getattr, a conditional expression or an if/elif chain', async () => {
  const text = py(
    'import torch',
    'unet.requires_grad_(True)',
    'a = {"fp16": torch.float16, "bf16": torch.bfloat16}[cfg.weight_dtype]',
    'unet.to(dtype=a)',
    'DTYPES = {"fp16": torch.float16, "fp32": torch.float32}',
    'b = DTYPES.get(cfg.dtype, torch.float32)',
    'unet.to(dtype=b)',
    'c = getattr(torch, cfg.torch_dtype)',
    'unet.to(dtype=c)',
    'd = torch.float16 if cfg.mixed_precision == "fp16" else torch.float32',
    'unet.to(dtype=d)',
  );
  const f = await locate('train.py', text);
  const casts = facts(f, 'half-cast');
  const choices = (i: number) => casts[i].detail?.dtypes as { dtype: string; condition?: unknown; fromKey?: string }[];
  assert.deepEqual(
    choices(0).map((c) => [c.dtype, c.condition]),
    [
      ['torch.float16', { op: 'eq', key: 'weight_dtype', value: 'fp16' }],
      ['torch.bfloat16', { op: 'eq', key: 'weight_dtype', value: 'bf16' }],
    ],
  );
  assert.deepEqual(
    choices(1).map((c) => [c.dtype, c.condition]),
    [
      ['torch.float16', { op: 'eq', key: 'dtype', value: 'fp16' }],
      ['torch.float32', { op: 'eq', key: 'dtype', value: 'fp32' }],
    ],
  );
  assert.equal(choices(2)[0].fromKey, 'torch_dtype');
  assert.deepEqual(
    choices(3).map((c) => [c.dtype, c.condition]),
    [
      ['torch.float16', { op: 'eq', key: 'mixed_precision', value: 'fp16' }],
      ['torch.float32', { op: 'not', arg: { op: 'eq', key: 'mixed_precision', value: 'fp16' } }],
    ],
  );
});

test('python: parameters made trainable in a loop are trainable when a later cast puts the module in fp16 (ControlNeXt)', async () => {
  const text = py(
    'unet = UNet2DConditionModel.from_pretrained(path, subfolder="unet")',
    'params_to_optimize = [{"params": controlnext.parameters()}]',
    'for name, para in unet.named_parameters():',
    '    if "to_out" in name:',
    '        para.requires_grad = True',
    '        para.data = para.to(torch.float32)',
    '        params_to_optimize.append({"params": para})',
    '    else:',
    '        para.requires_grad = False',
    'optimizer = torch.optim.AdamW(params_to_optimize, lr=1e-5)',
    'weight_dtype = torch.float16',
    'unet.to(accelerator.device, dtype=weight_dtype)',
  );
  const f = await locate('train_controlnext.py', text);
  const [cast] = facts(f, 'half-cast');
  assert.equal(cast.detail?.module, 'unet');
  assert.equal(cast.detail?.trainable, true);
  assert.equal(cast.detail?.trainableEvidence, 'line 5: para.requires_grad = True');
});

test('python: a module cast to fp16 whose trainable parameters go back to fp32 afterwards is not trained in fp16 (diffusers LoRA)', async () => {
  const text = py(
    'unet = UNet2DConditionModel.from_pretrained(path, subfolder="unet")',
    'unet.requires_grad_(False)',
    'unet.to(accelerator.device, dtype=weight_dtype)',
    'unet.add_adapter(lora_config)',
    'if args.mixed_precision == "fp16":',
    '    models = [unet]',
    '    cast_training_params(models, dtype=torch.float32)',
    'params_to_optimize = list(filter(lambda p: p.requires_grad, unet.parameters()))',
    'optimizer = torch.optim.AdamW(params_to_optimize, lr=1e-4)',
  );
  const f = await locate('train_dreambooth_lora.py', text);
  const [cast] = facts(f, 'half-cast');
  assert.equal(cast.detail?.trainable, false);
  assert.match(String(cast.detail?.trainableEvidence), /go back to fp32 after the cast \(line 7: cast_training_params/);
});

test('python: modules made trainable in a for loop over a tuple', async () => {
  const text = py(
    'unet = UNet2DConditionModel.from_pretrained(path)',
    'text_encoder = CLIPTextModel.from_pretrained(path)',
    'for m in (unet, text_encoder):',
    '    m.requires_grad_(True)',
    'text_encoder.half()',
  );
  const f = await locate('train.py', text);
  const [cast] = facts(f, 'half-cast');
  assert.equal(cast.detail?.module, 'text_encoder');
  assert.equal(cast.detail?.trainable, true);
});

test('python: precision chosen in any call, in a function default, or in the config dict the script overrides', async () => {
  const text = py(
    'def start_training(learning_rate=1e-5, mixed_precision="fp16"):',
    '    pass',
    'trainer = ImagenTrainer(imagen, lr = 1e-4, fp16 = True)',
    'fabric = L.Fabric(accelerator="cuda", precision="16-true")',
    'cfg = Config.fromfile(args.config)',
    'if args.amp is True:',
    "    cfg.optim_wrapper.type = 'AmpOptimWrapper'",
  );
  const f = await locate('train.py', text);
  const byKey = (k: string) => f.values.filter((v) => v.keyPath === k);
  assert.deepEqual(byKey('mixed_precision').map((v) => [v.text, v.source]), [['"fp16"', 'python-default']]);
  assert.equal(byKey('learning_rate').length, 0, 'only the precision parameters of a signature are settings');
  // named after the call: ImagenTrainer's fp16 is that API's spelling, not a known settings object's
  assert.deepEqual(byKey('ImagenTrainer.fp16').map((v) => [slice(text, v.keyRange!), v.range.start.line]), [['fp16 = True', 2]]);
  assert.equal(byKey('ImagenTrainer.lr').length + byKey('lr').length, 0, 'other keywords of a call that is not a settings call stay out');
  assert.equal(byKey('Fabric.precision')[0].value, '16-true');
  const [amp] = byKey('optim_wrapper.type');
  assert.equal(amp.value, 'AmpOptimWrapper');
  assert.deepEqual(amp.when, { op: 'eq', key: 'amp', value: true });
});

test('python: a keyword set by a conditional expression on a config flag gives each literal arm under its condition', async () => {
  const text = py('trainer = pl.Trainer(precision="16-mixed", gradient_clip_val=None if args.use_fsdp else 1.0)');
  const f = await locate('training.py', text);
  const arms = f.values.filter((v) => v.keyPath === 'gradient_clip_val');
  assert.deepEqual(
    arms.map((v) => [v.text, v.when]),
    [
      ['None', { op: 'truthy', key: 'use_fsdp' }],
      ['1.0', { op: 'not', arg: { op: 'truthy', key: 'use_fsdp' } }],
    ],
  );
  // a choice the config does not make leaves the setting unknown, as any other expression does
  const gpu = await locate('training.py', py('trainer = pl.Trainer(gradient_clip_val=None if torch.cuda.device_count() > 1 else 1.0)'));
  assert.equal(gpu.values.length, 0);
});

test('python: pretrained models a script loads or names, and what a forward calls and returns', async () => {
  const text = py(
    'model_checkpoint = "t5-large"',
    'model = AutoModelForSeq2SeqLM.from_pretrained(model_checkpoint)',
    "imagen = Imagen(unets = (unet,), text_encoder_name = 'google/t5-v1_1-base')",
    'class Imagen(nn.Module):',
    '    def __init__(self, text_encoder_name):',
    '        self.encode_text = partial(t5_encode_text, name = text_encoder_name)',
    '    def forward(self, images, texts):',
    '        text_embeds = self.encode_text(texts)',
    '        with torch.cuda.amp.autocast(enabled = False):',
    '            other = self.encode_text(texts)',
    '        return self.p_losses(images, text_embeds)',
    'class RotatedIoULoss(nn.Module):',
    '    def forward(self, pred, target):',
    '        if target is None:',
    '            return pred.sum()',
    '        loss = self.loss_weight * rotated_iou_loss(',
    '            pred,',
    '            target)',
    '        return loss',
  );
  const f = await locate('models.py', text);
  const models = facts(f, 'pretrained-model');
  assert.deepEqual(
    models.map((m) => [m.detail?.class, (m.detail?.name as { value?: unknown }).value, m.detail?.keyword]),
    [
      ['AutoModelForSeq2SeqLM', 't5-large', null],
      [null, 'google/t5-v1_1-base', 'text_encoder_name'],
    ],
  );
  const calls = facts(f, 'forward-call').filter((c) => c.detail?.callee === 'self.encode_text');
  assert.deepEqual(
    calls.map((c) => [c.range.start.line, c.detail?.bound, c.detail?.autocastOff]),
    [
      [7, 'partial(t5_encode_text, name = text_encoder_name)', false],
      [9, 'partial(t5_encode_text, name = text_encoder_name)', true],
    ],
  );
  const statement = calls[0].detail?.statement as { text: string; indent: string };
  assert.equal(statement.text, '        text_embeds = self.encode_text(texts)');
  assert.equal(statement.indent, '        ');
  const loss = facts(f, 'module-forward').find((m) => m.detail?.class === 'RotatedIoULoss')!;
  assert.equal(loss.range.start.line, lineOf(text, 'loss = self.loss_weight'));
  assert.equal((loss.detail?.statement as { text: string }).text.split('\n').length, 3, 'the whole statement, continuation lines included');
});

test('python: a config file the script picks with a conditional expression is its --hyp default', async () => {
  const text = py(
    'parser = argparse.ArgumentParser()',
    "parser.add_argument('--weights', type=str, default='')",
    "parser.add_argument('--hyp', type=str, default='')",
    'opt = parser.parse_args()',
    "opt.hyp = opt.hyp or ('data/hyp.finetune.yaml' if opt.weights else 'data/hyp.scratch.yaml')",
  );
  const f = await locate('train.py', text);
  const defaults = facts(f, 'config-default').filter((d) => d.detail?.path);
  assert.deepEqual(
    defaults.map((d) => [d.detail?.option, d.detail?.path]),
    [['--hyp', 'data/hyp.scratch.yaml']],
  );
});
