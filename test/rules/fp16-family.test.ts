// The fp16 family: the lines that choose fp16 are blamed when fp16's range is what the evidence points at,
// and the same settings are left alone when the evidence clears them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyze } from '../../src/engine/diagnose.ts';
import { locate, locateCommandLine } from '../../src/engine/config/index.ts';
import type { LocatedFile } from '../../src/engine/types.ts';
import { applyEdits, byCode, expectAtMost, expectNothingRisky, expectOne, expectOnly16BitSuspects, finiteRun, fixture, fixtureText, run, variant } from './helpers.ts';

const T5 = 'fp16/summarize_t5.py';
const DS = 'fp16/ds_fp16.json';
const LAUNCH = 'fp16/launch_ds.sh';
const OVERRIDE = 'fp16/finetune_override.py';
const STATIC = 'fp16/centerhead_fp16.py';
const TRUE16 = 'fp16/lora_16_true.py';
const AMP = 'fp16/rotated_det_amp.py';
const LOSS = 'fp16/poly_iou_loss.py';
const ENCODER = 'fp16/text_to_image.py';

const overflowRun = () => run({ line: 300, step: 14, metric: null, value: 'overflow', kind: 'overflow', before: [{ line: 296, step: 13, event: 'loss-scale' }] });

test('T5 fine-tuned with fp16=True: the fp16 flag is an error when the loss went NaN, with bf16 and fp32 as fixes', async () => {
  const d = analyze([run({ line: 30, step: 120, metric: 'loss' })], [await fixture(T5)]);
  const p = expectOne(d, 'precision', 'error', T5, 13);
  assert.match(p.message, /^fp16=True runs google\/flan-t5-large in fp16, but T5 models were pretrained in bf16: their activations outgrow fp16 \(max 65504\)/);
  assert.match(p.message, /train\.log:30 shows loss=nan at step 120/);
  assert.deepEqual(p.related.map((r) => r.line), [30, 5], 'the log line, and where the run loads the model');
  assert.equal(applyEdits(fixtureText(T5), p.fixes[0].edits).split('\n')[12], '    bf16=True,');
  assert.equal(applyEdits(fixtureText(T5), p.fixes[1].edits).split('\n')[12], '    fp16=False,');
  assert.deepEqual(p.change, { mixed_precision: 'bf16' });
  // the learning rate is an ordinary fine-tuning one
  expectAtMost(d, 'learning-rate', 'information');
});

test('T5 in fp16 before any run is a warning; a run that stayed finite so far only a note; bf16 is not blamed', async () => {
  expectOne(analyze([], [await fixture(T5)]), 'precision', 'warning', T5, 13);
  expectAtMost(analyze([finiteRun()], [await fixture(T5)]), 'precision', 'information');
  expectNothingRisky(analyze([run({ line: 30, step: 120, metric: 'loss' })], [await variant(T5, 'fp16=True', 'bf16=True')]));
});

test('DeepSpeed fp16 whose loss scale ran down to its minimum: fp16.enabled in the JSON and the launch line that picks it', async () => {
  const d = analyze([overflowRun()], [await fixture(DS), await fixture(LAUNCH)]);
  const json = expectOne(d, 'precision', 'error', DS, 5);
  assert.match(json.message, /^fp16\.enabled: true runs the model in fp16 and it overflows: the loss scaler kept backing off \(line 296\)/);
  assert.match(json.message, /bf16 has fp32's exponent range/);
  assert.equal(applyEdits(fixtureText(DS), json.fixes[0].edits).split('\n')[4], '    "enabled": false,');
  const launch = expectOne(d, 'precision', 'error', LAUNCH, 5);
  assert.match(launch.message, /^--deepspeed=ds_fp16\.json picks a DeepSpeed config that runs the model in fp16/);
  // DeepSpeed's usual starting scale is not the cause
  assert.equal(byCode(d, 'loss-scale').some((x) => x.range.start.line + 1 === 7), false);
});

test('DeepSpeed fp16 that recovered from its overflows is not blamed; a NaN with no loss-scale trouble makes it a suspect, not an error', async () => {
  expectNothingRisky(analyze([finiteRun()], [await fixture(DS), await fixture(LAUNCH)]));
  // a NaN with no loss-scale trouble before it does not point at fp16's range: the fp16 block is only the usual suspect
  const d = analyze([run({ line: 300, step: 14, metric: 'loss' })], [await fixture(DS), await fixture(LAUNCH)]);
  expectOnly16BitSuspects(d, `${DS}:5`, `${LAUNCH}:5`);
});

test('a usual suspect steps back to information once another rule explains the NaN with an error', async () => {
  const cfg = await fixture('lr-batch/Base-RetinaNet.yaml');
  const line = 'python tools/train_net.py --num-gpus 1 --config-file configs/x.yaml --fp16 SOLVER.IMS_PER_BATCH 2';
  const log: LocatedFile = { file: 'output/log.txt', language: 'shell', values: locateCommandLine(line, 'output/log.txt', 0), facts: [] };
  const d = analyze([run({ line: 9, step: 139, metric: 'loss_cls' }, 'output/log.txt')], [cfg, log]);
  expectOne(d, 'learning-rate', 'error', 'lr-batch/Base-RetinaNet.yaml', 9);
  const fp16 = expectOne(d, 'precision', 'information', 'output/log.txt', 1);
  assert.match(fp16.message, /--fp16 runs the model in fp16; .*the usual cause of a NaN in a 16-bit run.* \(a usual suspect; another finding explains this NaN better\)$/);
  // without the lr error it is a warning
  expectOnly16BitSuspects(analyze([run({ line: 9, step: 139, metric: 'loss_cls' }, 'output/log.txt')], [log]), 'output/log.txt:1');
});

test('DeepSpeed fp16 switched on in code for the model family the run used, and .half() on that model', async () => {
  const launch = await fixture(LAUNCH);
  const d = analyze([overflowRun()], [await fixture(OVERRIDE), launch]);
  const code = expectOne(d, 'precision', 'error', OVERRIDE, 22);
  assert.match(code.message, /^fp16\.enabled = True runs the model in fp16/);
  // the fix turns fp16 off and the bf16 switch beside it on
  const fixed = applyEdits(fixtureText(OVERRIDE), code.fixes[0].edits).split('\n');
  assert.equal(fixed[21], '    ds_config["fp16"]["enabled"] = False');
  assert.equal(fixed[20], '    ds_config["bf16"]["enabled"] = True');
  const cast = expectOne(d, 'precision', 'error', OVERRIDE, 20);
  assert.match(cast.message, /\.half\(\) puts the model in fp16/);
  assert.equal(applyEdits(fixtureText(OVERRIDE), cast.fixes[0].edits).split('\n')[19], '    model = AutoModelForCausalLM.from_pretrained(args.model_name_or_path).bfloat16()');
  // the t5 branch did not run: its fp16.enabled = False is no setting of this run
  assert.equal(byCode(d, 'precision').some((x) => x.range.start.line + 1 === 18), false);
  // DeepSpeed steps an fp32 master copy of the fp16 weights: FusedAdam's default eps is not the cause
  expectOne(d, 'optimizer-epsilon', 'information', OVERRIDE, 24);
});

test("mmcv's static loss scale with an incident: a loss-scale warning with a dynamic fix; a dynamic scale is not blamed", async () => {
  const d = analyze([run({ line: 12, step: 600, metric: 'task0.loss_heatmap' })], [await fixture(STATIC)]);
  const s = expectOne(d, 'loss-scale', 'warning', STATIC, 14);
  assert.match(s.message, /^a static loss scale of 512\. never adapts to the fp16 gradients/);
  assert.equal(applyEdits(fixtureText(STATIC), s.fixes[0].edits).split('\n')[13], "fp16 = dict(loss_scale='dynamic')");
  assert.equal(byCode(analyze([run({ line: 12, step: 600, metric: 'task0.loss_heatmap' })], [await variant(STATIC, 'loss_scale=512.', "loss_scale='dynamic'")]), 'loss-scale').length, 0);
  // a NaN in the first forward pass came before any scaled gradient
  expectAtMost(analyze([run({ line: 3, step: 1, metric: 'loss' })].map((r) => ({ ...r, steps: { first: 1, last: 1 } })), [await fixture(STATIC)]), 'loss-scale', 'information');
});

test("Fabric precision '16-true' keeps the LoRA weights in fp16: the precision line and AdamW built without eps are errors", async () => {
  const d = analyze([run({ line: 9, step: 64, metric: 'loss' })], [await fixture(TRUE16)]);
  const p = expectOne(d, 'precision', 'error', TRUE16, 8);
  assert.match(p.message, /^precision: "16-true" keeps every weight in fp16, the trained ones included/);
  const fixes = p.fixes.map((f) => applyEdits(fixtureText(TRUE16), f.edits).split('\n')[7].trim());
  assert.deepEqual(fixes, [
    'fabric = L.Fabric(accelerator="cuda", devices=1, precision="16-mixed")',
    'fabric = L.Fabric(accelerator="cuda", devices=1, precision="bf16-true")',
    'fabric = L.Fabric(accelerator="cuda", devices=1, precision="32-true")',
  ]);
  const eps = expectOne(d, 'optimizer-epsilon', 'error', TRUE16, 12);
  assert.match(eps.message, /^the optimizer's default epsilon \(1e-8\) rounds to 0 in fp16/);
  assert.equal(applyEdits(fixtureText(TRUE16), eps.fixes[0].edits).split('\n')[11], '    optimizer = torch.optim.AdamW(model.parameters(), lr=learning_rate, eps=1e-6)');
});

test("fp16 AMP with fp32 master weights and eps given: the optimizer is cleared, only the 16-bit precision is a suspect", async () => {
  const mixed = await locate(TRUE16, fixtureText(TRUE16).replace('precision="16-true"', 'precision="16-mixed"').replace('lr=learning_rate)', 'lr=learning_rate, eps=1e-6)'));
  const d = analyze([run({ line: 9, step: 64, metric: 'loss' })], [mixed]);
  expectAtMost(d, 'optimizer-epsilon', 'information');
  const p = expectOne(d, 'precision', 'warning', TRUE16, 8);
  assert.match(p.message, /runs the model in fp16;/);
});

test('one loss term non-finite while its sibling stays finite under AMP: the AMP wrapper and the loss module that computes it', async () => {
  const files = [await fixture(AMP), await fixture(LOSS)];
  const d = analyze([run({ line: 4, step: 150, metric: 'loss', nonFinite: ['loss', 'loss_bbox'] })], files);
  const wrapper = expectOne(d, 'precision', 'warning', AMP, 10);
  assert.match(wrapper.message, /loss_bbox is non-finite while loss_cls stayed finite: the weights and the shared forward pass are finite, so loss_bbox's own computation \(PolyIoULoss\) leaves fp16's range/);
  assert.equal(applyEdits(fixtureText(AMP), wrapper.fixes[0].edits).split('\n')[9].slice(0, 40), "optim_wrapper = dict(type='OptimWrapper'");
  const loss = expectOne(d, 'precision', 'warning', LOSS, 16);
  assert.deepEqual(loss.range.end.line, loss.range.start.line, 'marked on the line the statement starts');
  assert.match(loss.message, /^PolyIoULoss\.forward computes loss_bbox under fp16 autocast/);
});

test('every loss term non-finite at once does not single out a loss module: the AMP wrapper is only the usual suspect', async () => {
  const d = analyze([run({ line: 4, step: 150, metric: 'loss', nonFinite: ['loss', 'loss_cls', 'loss_bbox'] })], [await fixture(AMP), await fixture(LOSS)]);
  expectOnly16BitSuspects(d, `${AMP}:10`);
});

test('a frozen T5 encoder called in forward under the fp16 autocast: the fp16 flag and the call, with autocast off as the fix', async () => {
  const d = analyze([run({ line: 5, step: 40, metric: 'loss' })], [await fixture(ENCODER)]);
  expectOne(d, 'precision', 'error', ENCODER, 21);
  const call = expectOne(d, 'precision', 'error', ENCODER, 17);
  assert.match(call.message, /^self\.encode_text\(…\) runs google\/t5-v1_1-xl \(T5\) inside TextToImage\.forward, under the fp16 autocast that fp16=True turns on/);
  assert.deepEqual(applyEdits(fixtureText(ENCODER), call.fixes[0].edits).split('\n').slice(16, 18), ['        with torch.autocast("cuda", enabled=False):', '            text_embeds = self.encode_text(texts)']);
});

test('the same T5 encoder already called with autocast off is not blamed: the fp16 flag is only the usual suspect', async () => {
  const off = await variant(ENCODER, '        text_embeds = self.encode_text(texts)\n', '        with torch.cuda.amp.autocast(enabled=False):\n            text_embeds = self.encode_text(texts)\n');
  const d = analyze([run({ line: 5, step: 40, metric: 'loss' })], [off]);
  assert.equal(byCode(d, 'precision').filter((x) => /pretrained in bf16/.test(x.message)).length, 0);
  assert.ok(byCode(d, 'precision').every((x) => /usual cause of a NaN in a 16-bit run/.test(x.message)));
});

test('bf16-pretrained families by model id or class, and names that only look alike', async () => {
  const { bf16Family } = await import('../../src/engine/rules/helpers/pretrained.ts');
  for (const [name, family] of [
    ['t5-large', 'T5'], ['google/flan-t5-xl', 'T5'], ['google/t5-v1_1-base', 'T5'], ['google/mt5-base', 'T5'], ['google/byt5-small', 'T5'],
    ['google/long-t5-tglobal-base', 'T5'], ['google/ul2', 'UL2'], ['google/flan-ul2', 'UL2'], ['bigscience/T0pp', 'T0'], ['bigscience/T0', 'T0'],
    ['google/pegasus-xsum', 'Pegasus'], ['T5ForConditionalGeneration', 'T5'], ['MT5EncoderModel', 'T5'], ['/models/t5-3b/', 'T5'],
    ['meta-llama/Llama-2-7b-hf', 'Llama 2'], ['/models/Llama-2-7b-hf', 'Llama 2'], ['meta-llama/Meta-Llama-3-8B', 'Llama 3'], ['meta-llama/Llama-3.1-8B-Instruct', 'Llama 3'],
    ['google/gemma-7b', 'Gemma'], ['google/gemma-2-9b', 'Gemma'], ['THUDM/glm-4-9b-chat', 'GLM-4'], ['/models/glm-4-9b-chat', 'GLM-4'],
  ]) assert.equal(bf16Family(name), family, name);
  // a T5-looking value of a key that names no model is not a model
  const { bf16Models } = await import('../../src/engine/rules/helpers/pretrained.ts');
  const data = await locate('config.yaml', 'dataset: t5-preprocessed\nmodel_name_or_path: gpt2\n');
  assert.deepEqual(bf16Models({ runs: [], files: [data], hp: { all: {} }, facts: [] }), []);
  for (const name of ['gpt2', 'bert-base-uncased', 'google/t5x', 'Salesforce/codet5-base', 'huggyllama/llama-7b', 'T5Tokenizer', 't0', 'resnet50']) assert.equal(bf16Family(name), undefined, name);
});

const ENGINE = 'fp16/pretrain_engine.py';
const FABRIC = 'fp16/adapter_fabric.py';

test('a script that chooses fp16 itself, `with torch.cuda.amp.autocast():` around the training forward: that line is the suspect, with a bf16 fix', async () => {
  const nan = run({ line: 2, step: 200, metric: null, kind: 'error', value: 'nan', epoch: 8 });
  const d = analyze([nan], [await fixture(ENGINE)]);
  const p = expectOne(d, 'precision', 'warning', ENGINE, 14);
  assert.match(p.message, /^torch\.cuda\.amp\.autocast\(\) runs the model in fp16; .*fp16 overflows past 65504/);
  assert.equal(applyEdits(fixtureText(ENGINE), p.fixes[0].edits).split('\n')[13], '        with torch.cuda.amp.autocast(dtype=torch.bfloat16):');
  // evaluation's own autocast runs no training step
  assert.equal(byCode(d, 'precision').some((x) => x.range.start.line + 1 === 29), false);
  // the loss scaler clips (`clip_grad=max_norm`): no "never clips"
  assert.equal(byCode(d, 'gradient-clipping').some((x) => /never clips/.test(x.message)), false);
  // bf16 autocast, or an autocast a flag switches (the flag is then the choice), is not this finding
  expectAtMost(analyze([nan], [await variant(ENGINE, 'torch.cuda.amp.autocast():\n            loss', 'torch.autocast("cuda", dtype=torch.bfloat16):\n            loss')]), 'precision', 'information');
  expectAtMost(analyze([nan], [await variant(ENGINE, 'torch.cuda.amp.autocast():\n            loss', 'torch.cuda.amp.autocast(enabled=use_amp):\n            loss')]), 'precision', 'information');
  expectAtMost(analyze([nan], [await variant(ENGINE, 'torch.cuda.amp.autocast():\n            loss', 'torch.autocast("cpu"):\n            loss')]), 'precision', 'information');
});

test('a precision that defaults to None and is filled in the body (`precision = "32-true" if tpu else "16-true"`) is read where it is filled', async () => {
  const d = analyze([run({ line: 81, step: 64, metric: 'loss' })], [await fixture(FABRIC)]);
  const p = expectOne(d, 'precision', 'error', FABRIC, 15);
  assert.match(p.message, /keeps every weight in fp16/);
  // on TPU the same line picks 32-true
  expectAtMost(analyze([run({ line: 81, step: 64, metric: 'loss' })], [await variant(FABRIC, 'tpu: bool = False', 'tpu: bool = True')]), 'precision', 'information');
});

test("SDXL's VAE cast to an fp16 weight_dtype: its activations outgrow fp16 and encode NaN latents; the fix keeps it in fp32 (control-lora-v3 #2)", async () => {
  const SDXL = 'diffusers/train_sdxl_lora.py';
  const withFlag = (value: string): LocatedFile => ({ file: 'logs/train.log', language: 'shell', values: locateCommandLine(`accelerate launch train_sdxl_lora.py --mixed_precision=${value}`, 'logs/train.log', 0), facts: [] });
  const first = { ...run({ line: 18, step: 1, metric: 'loss' }), finiteStepBefore: false };
  const d = analyze([first], [await fixture(SDXL), withFlag('fp16')]);
  const vae = expectOne(d, 'precision', 'error', SDXL, 26);
  assert.match(vae.message, /^vae\.to\(accelerator\.device, dtype=weight_dtype\) runs SDXL's VAE in fp16: .*NaN latents/);
  assert.equal(applyEdits(fixtureText(SDXL), vae.fixes[0].edits).split('\n')[25], '    vae.to(accelerator.device, dtype=torch.float32)');
  // only the VAE's cast is this finding; bf16, or the fp16-fixed VAE, is not
  assert.deepEqual(byCode(d, 'precision').filter((x) => /SDXL's VAE/.test(x.message)).map((x) => x.range.start.line + 1), [26]);
  expectAtMost(analyze([first], [await fixture(SDXL), withFlag('bf16')]), 'precision', 'information');
  const fixedVae = await variant(SDXL, '    parser.add_argument("--learning_rate"', '    parser.add_argument("--pretrained_vae_model_name_or_path", type=str, default="madebyollin/sdxl-vae-fp16-fix")\n    parser.add_argument("--learning_rate"');
  assert.equal(byCode(analyze([first], [fixedVae, withFlag('fp16')]), 'precision').some((x) => /SDXL's VAE/.test(x.message)), false);
});
