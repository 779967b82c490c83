// Python idioms that pick a setting from the config: the rules follow the branch the run took.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyze } from '../../src/engine/diagnose.ts';
import { readHyperparameters } from '../../src/engine/hyperparameters/read.ts';
import { applyEdits, byCode, expectAtMost, expectNothingRisky, expectOne, fixture, fixtureText, run, variant, expectOnly16BitSuspects } from './helpers.ts';

const TABLE = 'idioms/train_dtype_table.py';
const ELIF = 'idioms/train_dtype_elif.py';
const FP16 = 'idioms/adapter_fp16.yaml';
const FP32 = 'idioms/adapter_fp32.yaml';
const LOOP = 'idioms/train_control_loop.py';
const LAUNCH16 = 'idioms/launch_fp16.sh';
const YOLO = 'idioms/train_yolo.py';
const HYP = 'idioms/hyp.scratch.yaml';
const EIGHT_BIT = 'idioms/train_8bit.py';

const afterUpdates = () => run({ line: 80, step: 35, metric: 'loss' });

test('a dtype picked through a dict on cfg.weight_dtype: fp16 trainable weights without AMP are errors; fp32 is cleared', async () => {
  const d = analyze([afterUpdates()], [await fixture(TABLE), await fixture(FP16)]);
  const wd = expectOne(d, 'precision', 'error', FP16, 1);
  assert.match(wd.message, /the trainable weights are fp16 \(weight_dtype: fp16, train_dtype_table\.py:11 adapter\.to\("cuda", dtype=weight_dtype\)\)/);
  expectOne(d, 'precision', 'error', FP16, 2);
  expectNothingRisky(analyze([afterUpdates()], [await fixture(TABLE), await fixture(FP32)]));
});

test('a dtype picked by an if/elif chain, and a .half() in a conditional expression, on the same config value', async () => {
  const d = analyze([afterUpdates()], [await fixture(ELIF), await fixture(FP16)]);
  const wd = expectOne(d, 'precision', 'error', FP16, 1);
  assert.match(wd.message, /adapter\.half\(\)/);
  expectNothingRisky(analyze([afterUpdates()], [await fixture(ELIF), await fixture(FP32)]));
});

test('UNet projections made trainable in a loop, then the whole UNet cast to fp16 under AMP: the cast is blamed', async () => {
  const files = [await fixture(LOOP), await fixture(LAUNCH16)];
  const before = expectOne(analyze([], files), 'precision', 'warning', LOOP, 34);
  assert.match(before.message, /puts unet, whose parameters are trained \(line 21: param\.requires_grad = True\), in fp16 while mixed_precision: "fp16" trains with AMP/);
  assert.match(before.message, /Attempting to unscale FP16 gradients/);
  assert.equal(applyEdits(fixtureText(LOOP), before.fixes[0].edits).split('\n')[33], 'unet.to(accelerator.device)');
  expectOne(analyze([afterUpdates()], files), 'precision', 'error', LOOP, 34);
});

test('the same cast followed by cast_training_params(…, torch.float32) keeps the trained projections in fp32: not blamed', async () => {
  const upcast = await variant(
    LOOP,
    'unet.to(accelerator.device, dtype=weight_dtype)\n',
    'unet.to(accelerator.device, dtype=weight_dtype)\nif accelerator.mixed_precision == "fp16":\n    cast_training_params([unet], dtype=torch.float32)\n',
  );
  // the cast is not blamed; only fp16 AMP itself stays, the usual suspect of a 16-bit run
  expectOnly16BitSuspects(analyze([afterUpdates()], [upcast, await fixture(LAUNCH16)]), `${LAUNCH16}:1`);
});

test('--adam builds Adam from an lr0 tuned for SGD: the constructor and the lr line are blamed', async () => {
  const files = [await fixture(YOLO), await fixture(HYP), await fixture('idioms/run_adam.sh')];
  const d = analyze([afterUpdates()], files);
  const ctor = byCode(d, 'learning-rate').find((x) => x.file === YOLO);
  assert.ok(ctor, 'the Adam constructor is named');
  assert.equal(ctor.range.start.line + 1, 12);
  assert.equal(ctor.severity, 'error');
  assert.match(ctor.message, /^--adam builds Adam here, but its lr is lr0 0\.01 \(hyp\.scratch\.yaml:1\), the value tuned for SGD \(line 14\), the other choice: its comment gives Adam 1E-3/);
  assert.equal(applyEdits(fixtureText(HYP), ctor.fixes[0].edits).split('\n')[0], 'lr0: 0.001  # initial learning rate (SGD=1E-2, Adam=1E-3)');
  const lr = expectOne(d, 'learning-rate', 'error', HYP, 1);
  assert.match(lr.message, /is high for Adam/);
});

test('without --adam the run built SGD: the same lr0 is ordinary for it', async () => {
  const files = [await fixture(YOLO), await fixture(HYP), await fixture('idioms/run_sgd.sh')];
  const d = analyze([afterUpdates()], files);
  expectAtMost(d, 'learning-rate', 'information');
  assert.equal(readHyperparameters(files).optimizer?.value, 'SGD');
});

test('the optimizer class chosen by a config flag names the optimizer the run built', async () => {
  const script = await fixture(EIGHT_BIT);
  assert.equal(readHyperparameters([script, await fixture('idioms/solver_no8bit.yaml')]).optimizer?.value, 'AdamW');
  assert.equal(readHyperparameters([script, await fixture('idioms/solver_8bit.yaml')]).optimizer?.value, 'AdamW8bit');
});

test('a parameter made from uninitialized memory that its module never fills: a warning when the first forward pass is non-finite, with an init as the fix', async () => {
  const HEAD = 'idioms/margin_head.py';
  const atZero = run({ line: 57, step: 0, metric: null, kind: 'error', value: 'nan' });
  const first = { ...atZero, finiteStepBefore: false } as typeof atZero;
  const d = analyze([first], [await fixture(HEAD)]);
  const u = expectOne(d, 'initialization', 'warning', HEAD, 13);
  assert.match(u.message, /^Parameter\(torch\.Tensor\(num_classes, in_features\)\) in CosineMarginHead is uninitialized memory .* never initializes self\.weight/);
  assert.equal(applyEdits(fixtureText(HEAD), u.fixes[0].edits).split('\n')[13], '        nn.init.xavier_uniform_(self.weight)');
  // a buffer of values, and a parameter initialized where it is made, are not
  assert.equal(byCode(d, 'initialization').length, 1);
  // initialized by the module's own reset_parameters: nothing
  const reset = await variant(HEAD, '        self.register_buffer', '        self.reset_parameters()\n        self.register_buffer');
  assert.equal(byCode(analyze([first], [reset]), 'initialization').length, 0);
  // a NaN after many updates says nothing about the initial memory: information
  expectAtMost(analyze([run({ line: 400, step: 3000 })], [await fixture(HEAD)]), 'initialization', 'information');
});
