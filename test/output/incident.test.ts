import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IncidentTracker } from '../../src/engine/output/incident';
import { createRunAnalyzer } from '../../src/engine/output/analyzer';
import type { TrainingEvent } from '../../src/engine/types';

const step = (line: number, s: number, loss: number, rank: number | null = null): TrainingEvent => ({ line, kind: 'step', step: s, rank, metrics: { loss }, format: 'test' });

test('the first non-finite event becomes the incident, once, with the notable events after the last finite step', () => {
  const t = new IncidentTracker();
  assert.equal(t.add(step(1, 0, 1.0)), null);
  assert.equal(t.add({ line: 2, kind: 'checkpoint', step: 0, rank: null }), null);
  assert.equal(t.add(step(3, 1, 0.9)), null);
  t.add({ line: 4, kind: 'validation', step: 1, rank: null });
  t.add({ line: 5, kind: 'loss-scale', step: 1, rank: null, lossScale: 32768 });
  const incident = t.add({ line: 6, kind: 'step', step: 2, rank: null, nonFinite: { metric: 'loss', value: 'nan' } });
  assert.deepEqual(incident, {
    line: 6, step: 2, metric: 'loss', value: 'nan', kind: 'metric', rank: null, epoch: null, nonFinite: ['loss'],
    before: [{ line: 4, step: 1, event: 'validation' }, { line: 5, step: 1, event: 'loss-scale' }],
  });
  assert.equal(t.add({ line: 7, kind: 'step', step: 3, rank: null, nonFinite: { metric: 'loss', value: 'inf' } }), null);
  assert.equal(t.incident?.line, 6);
  t.add(step(8, 4, 0.5));
  assert.deepEqual(t.steps, { first: 0, last: 4 });
  assert.deepEqual(t.formats, ['test']);
});

test('multi-rank: the first rank to go non-finite is the incident, and only its own or shared events come before it', () => {
  const t = new IncidentTracker();
  t.add(step(1, 10, 1.0, 0));
  t.add(step(2, 10, 1.0, 1));
  t.add({ line: 3, kind: 'checkpoint', step: 10, rank: 0 });
  t.add({ line: 4, kind: 'overflow', step: 10, rank: 1 });
  const incident = t.add({ line: 5, kind: 'step', step: 11, rank: 1, nonFinite: { metric: 'loss', value: 'inf' } });
  assert.equal(incident?.rank, 1);
  assert.deepEqual(incident?.before, [{ line: 4, step: 10, event: 'overflow' }]);
});

test('a gradient-norm spike and a learning-rate jump are remembered as notable events', () => {
  const t = new IncidentTracker();
  for (let i = 0; i < 8; i++) t.add({ line: i + 1, kind: 'step', step: i, rank: null, metrics: { loss: 1, grad_norm: 1 + i / 100, lr: 1e-4 } });
  t.add({ line: 9, kind: 'step', step: 8, rank: null, metrics: { loss: 1, grad_norm: 50, lr: 1e-3 } });
  const incident = t.add({ line: 10, kind: 'step', step: 9, rank: null, nonFinite: { metric: 'loss', value: 'nan' } });
  assert.deepEqual(incident?.before.map((b) => b.event).sort(), ['grad-norm-spike', 'learning-rate']);
});

test('errors and unrecovered overflows get their own incident kinds', () => {
  const a = new IncidentTracker();
  assert.equal(a.add({ line: 1, kind: 'error', step: null, rank: null, nonFinite: { metric: '', value: 'error' } })?.kind, 'error');
  assert.equal(a.incident?.metric, null);
  const b = new IncidentTracker();
  assert.equal(b.add({ line: 1, kind: 'overflow', step: 5, rank: null, nonFinite: { metric: 'loss_scale', value: 'overflow' } })?.kind, 'overflow');
});

test('a step whose values are shown after an event at that same step keeps the event in before; the next step closes it', () => {
  const t = new IncidentTracker();
  t.add({ line: 1, kind: 'step', step: 1, rank: null, format: 'tqdm' });
  t.add({ line: 1, kind: 'validation', step: 1, rank: null }, 0);
  // tqdm's set_postfix after the validation: step 1's own loss, computed before it.
  t.add(step(30, 1, 0.153), 0);
  const incident = t.add({ line: 30, kind: 'step', step: 2, rank: null, nonFinite: { metric: 'loss', value: 'nan' } }, 0);
  assert.deepEqual(incident?.before, [{ line: 1, step: 1, event: 'validation' }]);

  const u = new IncidentTracker();
  u.add({ line: 1, kind: 'validation', step: 10, rank: null }, 0);
  // Step 10 of the next epoch is another step: it closes the window.
  u.add(step(2, 10, 0.5), 1);
  assert.deepEqual(u.add({ line: 3, kind: 'step', step: 11, rank: null, nonFinite: { metric: 'loss', value: 'nan' } }, 1)?.before, []);
});

/** The run a whole log makes. */
function scan(text: string) {
  const a = createRunAnalyzer('train.log');
  a.feed(text);
  a.end();
  return a.result();
}

test('a run says whether a finite training step was logged before its incident (the rules tell the first forward pass by it)', () => {
  assert.equal(scan('step 1 loss: nan\n').finiteStepBefore, false);
  assert.equal(scan('iter 0 loss: 0.5\niter 1 loss: nan\n').finiteStepBefore, true);
  // A tqdm bar drawn before any step (0/8, no metrics) is not a finite step.
  assert.equal(scan('Steps:   0%|          | 0/8 [00:00<?, ?it/s]\rSteps:  12%|█▎        | 1/8 [00:01<00:07,  1.00s/it, step_loss=nan]\n').finiteStepBefore, false);
  assert.equal(scan('iter 0 loss: 0.5\n').finiteStepBefore, undefined, 'only a run with an incident says');
  // a log that starts mid-run (OpenNMT-tf #744's excerpt, a resumed run, HF's logging_steps): the updates before are not shown
  assert.equal(scan('INFO:tensorflow:Evaluation result for step 435000: loss = 148890.718750 ; perplexity = inf\n').finiteStepBefore, null);
  // Keras' bar shows running means since the epoch began: NaN at 13/13 may come from any of the 13 batches
  // (keras-yolo2 #237's notebook: `13/13 [====] - 50s 4s/step - loss: nan - val_loss: nan` in epoch 1).
  assert.equal(scan('Epoch 1/100\n13/13 [==============================] - 50s 4s/step - loss: nan - val_loss: nan\n').finiteStepBefore, null);
  assert.equal(scan('Epoch 1/100\n 1/13 [=>............................] - ETA: 9s - loss: nan\n').finiteStepBefore, false);
  assert.equal(scan('Epoch 1/100\n 1/13 [=>............................] - ETA: 9s - loss: 0.7\n 2/13 [===>..........................] - ETA: 8s - loss: nan\n').finiteStepBefore, true);
});

test("each non-finite metric is named once: a JSON list's values share its label (openpifpaf's head_losses)", () => {
  const a = createRunAnalyzer('train.log');
  // openpifpaf #112's JSON log line, as the issue's screenshot shows it
  a.feed('{"type": "train", "epoch": 2, "batch": 200, "n_batches": 1767, "lr": 0.000215, "loss": NaN, "head_losses": [NaN, NaN, NaN, NaN, NaN, NaN]}\n');
  a.end();
  assert.deepEqual(a.result().incident?.nonFinite, ['loss', 'head_losses']);
});

test('a run keeps the learning rate it was at when it went non-finite: on the NaN line, else the last one shown before it', () => {
  // neuralsim #4: the warmup starts the lr at exactly 0, and the losses are NaN from the first step
  assert.equal(scan("=> Start [train], it=0, lr=0.0, in logs/exp1\nit=1 losses: {'loss_rgb.rgb': nan, 'loss_occupancy_mask.mask': nan}\n").lrAtIncident, 0);
  assert.equal(scan('step 1 loss: 0.5 lr: 0.001\nstep 2 loss: nan lr: 0.002\n').lrAtIncident, 0.002);
  assert.equal(scan('step 1 loss: 0.5\nstep 2 loss: nan\n').lrAtIncident, undefined, 'a log that shows no lr says nothing');
});

test('the configuration a script prints at start is no step: its learning rate is not where the run was, nor is it a finite step', () => {
  // lit-gpt's `print(hparams)`: the configured lr, before a warmup that starts from 0
  const dump = "{'eval_interval': 600, 'learning_rate': 0.009, 'batch_size': 64.0, 'micro_batch_size': 4, 'max_iters': 62500, 'weight_decay': 0.02, 'warmup_iters': 25000}\n";
  const r = scan(`${dump}iter 1 step 0: loss nan, train time: 183.32ms\n`);
  assert.equal(r.incident?.line, 2);
  assert.equal(r.lrAtIncident, undefined);
  assert.equal(r.finiteStepBefore, false, 'the dump is not a finite step before the first one');
  // a record that carries a loss is a step, whatever else it shows
  assert.equal(scan("{'loss': 0.5, 'learning_rate': 0.001, 'epoch': 0.1}\n{'loss': nan, 'grad_norm': nan, 'learning_rate': 0.001, 'epoch': 0.2}\n").lrAtIncident, 0.001);
});

test('reader idioms from held-out logs: a unit is no label, a phase word joins its column, a printed config is no step, a stable-baselines table shares its counter', () => {
  // `7.81 iters/s loss nan`: the label is `loss`, not `iters/s loss`
  assert.equal(scan('Sat Jul 13 10:26:29 2019 train epoch 0 iter 6300 7.812 iters/s loss nan acc 0.0\n').incident?.metric, 'loss');
  // fastai v1's header `epoch train loss valid loss …`: one column per metric, the epoch column is the epoch
  const fastai = scan('epoch train loss valid loss accuracy_thresh f2_opt\n0 nan nan 0.997788 0.000000\n');
  assert.deepEqual([fastai.incident?.metric, fastai.incident?.nonFinite, fastai.incident?.step, fastai.incident?.epoch], ['train loss', ['train loss', 'valid loss'], 0, 0]);
  // a yacs config printed key by key, and a line of setup numbers, before a NaN at iteration 0: the first forward pass
  const dump = scan('Rank of current process: 0. World size: 1\nSOLVER:\n  BASE_LR: 0.00035\n  IMS_PER_BATCH: 64\nStarting training from iteration 0\nFloatingPointError: Loss became infinite or NaN at iteration=0!\n');
  assert.equal(dump.finiteStepBefore, false);
  // stable-baselines prints its counter below the metrics; SB3 above them; a border ends each table
  const table = (counterRow: string, first: boolean) =>
    ['-'.repeat(30), ...(first ? [counterRow.replace('N', '29')] : []), '| approxkl | 0.05 |', ...(first ? [] : [counterRow.replace('N', '29')]), '-'.repeat(30),
     '-'.repeat(30), ...(first ? [counterRow.replace('N', '30')] : []), '| approxkl | nan |', '| fps | 15 |', '| policy_loss | nan |', ...(first ? [] : [counterRow.replace('N', '30')]), '-'.repeat(30)].join('\n') + '\n';
  assert.deepEqual([scan(table('| n_updates | N |', false)).incident?.step, scan(table('| n_updates | N |', false)).finiteStepBefore], [30, true]);
  assert.equal(scan(table('|    iterations | N |', true)).incident?.step, 30);
});

test('traps from held-out logs: a mean over no finished episode, an evaluation score over no ground truth, a split gain; a field after `nan` is not what it counts', () => {
  // ML-Agents: numpy's `Mean of empty slice`, then `Mean Reward: nan`, then rewards again
  assert.equal(scan('Mean Reward: -37.32\nSaved Model\nRuntimeWarning: Mean of empty slice.\nMean Reward: nan\nSaved Model\nMean Reward: -12.5\n').incident, null);
  // Tracktor: no ground truth in the validation split
  assert.equal(scan('[TRAIN]: Mean AP = 0.5192\n  rec = tp / float(npos)\n\n[VAL]: Mean AP = nan\n').incident, null);
  // ...but a training score that goes NaN with its loss is an incident (darknet's `Avg IOU: nan`)
  assert.equal(scan('Region 82 Avg IOU: nan, Class: nan, Obj: nan, No Obj: nan, count: 2\n').incident?.metric, 'Avg IOU');
  assert.equal(scan("[LightGBM] [Warning] No further splits with positive gain, best gain: -inf\n[1680]\tcv_agg's l1: 0.598635\n").incident, null);
  // arcface_torch: `Loss nan   Epoch: 0` is a NaN loss, not a count of NaN epochs that is 0
  assert.equal(scan('Training: 2021-06-01 16:25:51,183-Speed 218.82 samples/sec   Loss nan   Epoch: 0   Global Step: 14750\n').incident?.step, 14750);
  assert.equal(scan('number of nan iterations: 0\nloss: 0.5\n').incident, null);
});

test('values a logging prefix hides are still read, an epoch after a comma counts, and a count per epoch is no epoch', () => {
  // PointNetLK-Revisited logs bare values after its logger's prefix
  const bare = scan('INFO:run, 2022-03-11 09:36:30,690, epoch, 0089, 0.127450, 0.018011\nINFO:run, 2022-03-11 14:18:54,833, epoch, 0198, nan, nan\n');
  assert.deepEqual([bare.incident?.line, bare.incident?.step], [2, 198]);
  // accelerate's setup print, then the first step's NaN: no epoch 1250, and the setup is no finite step
  const setup = scan('Num processes: 1\nProcess index: 0\n  Num examples = 5000\n  Num batches each epoch = 1250\n  Total optimization steps = 10000\nSteps:   0%|          | 1/10000 [00:04<11:32:10,  4.15s/it, loss=nan, lr=0.0001]\n');
  assert.deepEqual([setup.incident?.step, setup.incident?.epoch, setup.finiteStepBefore], [1, null, false]);
});
