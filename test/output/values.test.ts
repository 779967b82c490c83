import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isSentinel, parseValue } from '../../src/engine/output/formats/values';
import { readSegment } from '../../src/engine/output/formats/read';
import { hasNonFiniteValue } from '../../src/engine/output/nonfinite-tokens';

test('non-finite tokens are read exactly, wrapped or not', () => {
  for (const [token, value] of [
    ['nan', 'nan'], ['NaN', 'nan'], ['-nan', 'nan'], ['NAN', 'nan'], ['inf', 'inf'], ['+inf', 'inf'], ['Infinity', 'inf'],
    ['-inf', '-inf'], ['-Infinity', '-inf'], ['tensor(nan)', 'nan'], ["tensor(nan, device='cuda:0', grad_fn=<MulBackward0>)", 'nan'],
    ['tensor([inf])', 'inf'], ['np.float32(nan)', 'nan'], ['1e999', 'inf'], ['nan.0', 'nan'], ['-inf.0', '-inf'],
  ] as const) {
    assert.deepEqual(parseValue(token), { finite: false, value }, token);
  }
  assert.deepEqual(parseValue('1.500E-04'), { finite: true, value: 1.5e-4 });
  assert.deepEqual(parseValue('tensor(0.5000)'), { finite: true, value: 0.5 });
  for (const word of ['INFO', 'inference', 'finance', 'nanoGPT', 'nan_to_num', 'info']) assert.equal(parseValue(word), null, word);
});

test('infinite starting values and settings are sentinels, NaN never is', () => {
  assert.equal(isSentinel('best_val_loss', 'inf'), true);
  assert.equal(isSentinel('max_grad_norm', 'inf'), true);
  assert.equal(isSentinel('best_val_loss', 'nan'), false);
  assert.equal(isSentinel('loss', 'inf'), false);
});

test('letters inside words never make a non-finite reading', () => {
  const headers = new Map();
  for (const line of [
    'INFO:__main__:NaN check enabled: nan_to_num=True',
    'Epoch 1: val_loss improved from inf to 0.50000, saving model to /inference/best.h5',
    'INFO - loading /data/finance/nanoGPT/train.bin',
    'max_grad_norm: inf',
    'early_stopping: {\'patience\': 5, \'best\': inf}',
  ]) {
    assert.equal(readSegment(line, headers)?.nonFinite, undefined, line);
  }
});

test('a metric value that is NaN is read with its name', () => {
  const headers = new Map();
  assert.deepEqual(readSegment('Steps:  20%|██        | 2/10 [00:03<00:12, lr=1e-05, step_loss=nan]', headers)?.nonFinite, { metric: 'step_loss', value: 'nan' });
  assert.deepEqual(readSegment('loss tensor(nan, grad_fn=<AddBackward0>)', headers)?.nonFinite, { metric: 'loss', value: 'nan' });
  assert.equal(readSegment('Steps:  20%|██        | 2/10 [00:03<00:12, lr=1e-05, step_loss=nan]', headers)?.step, 2);
});

test("Lightning's progress bar prints a non-finite float as nan.0, a file name nan.0.txt is no value", () => {
  const headers = new Map();
  assert.deepEqual(readSegment('Epoch 0:   0%|          | 12/52002 [00:07<8:40:11,  1.67it/s, loss=nan.0]', headers)?.nonFinite, { metric: 'loss', value: 'nan' });
  assert.equal(readSegment('INFO - wrote /tmp/nan.0.txt', headers)?.nonFinite, undefined);
  assert.equal(readSegment('loss=nan.5', headers)?.nonFinite, undefined);
});

test("PaddleOCR pads values with x ('{:x<6f}'): nanxxx is nan, a word that goes on is not", () => {
  const headers = new Map();
  const line = '[2023/10/06 13:26:28] ppocr INFO: epoch: [1/500], global_step: 360, lr: 0.000093, CTCLoss: nanxxx, SARLoss: nanxxx, loss: nanxxx, eta: 3 days';
  assert.deepEqual(readSegment(line, headers)?.nonFinite, { metric: 'CTCLoss', value: 'nan' });
  assert.deepEqual(parseValue('infxxx'), { finite: false, value: 'inf' });
  assert.equal(readSegment('INFO: loading nanxyz.bin', headers)?.nonFinite, undefined);
});

test('a mean over finished episodes is NaN until one finishes: no divergence; a loss in the same table is', () => {
  for (const name of ['ep_rewmean', 'eplenmean', 'eprewmean', 'ep_rew_mean', 'rollout/ep_len_mean', 'episode_reward_mean', 'mean_episode_reward']) {
    assert.equal(isSentinel(name, 'nan'), true, name);
  }
  const headers = new Map();
  assert.equal(readSegment('| ep_rewmean         | nan           |', headers)?.nonFinite, undefined);
  assert.deepEqual(readSegment('| value_loss         | nan           |', headers)?.nonFinite, { metric: 'value_loss', value: 'nan' });
});

test('a bracketed label names its value, and [step] N is the step', () => {
  const headers = new Map();
  const line = '2023-01-25 00:21:34.569 | INFO     | trainers.base_trainer:train_epochs:256 - [R0] | E6 iter[ 14/ 15] | [Loss] nan | [step]   104 | [time] 0.4m';
  const reading = readSegment(line, headers);
  assert.deepEqual(reading?.nonFinite, { metric: 'Loss', value: 'nan' });
  assert.equal(reading?.step, 104);
});

test('counters: `iters: 100` and `000 epoch, 06000 iter` are steps, a rounded `Step: 0k` is not', () => {
  const headers = new Map();
  assert.equal(readSegment('(epoch: 1, iters: 100, time: 0.317, data: 2.125) D_A: nan G_A: nan', headers)?.step, 100);
  const first = readSegment('000 epoch, 06000 iter, average time 0.6607, loss nan', headers);
  assert.deepEqual([first?.step, first?.epoch], [6000, 0]);
  assert.equal(readSegment('{| Epoch: 1 (989/1180) | Loss: nan | 2.3 steps/s | Step: 0k | }', headers)?.step, 989);
});

test('a best-so-far that starts infinite is no value: Coqui TTS prints " > Starting with inf best loss."', () => {
  assert.equal(readSegment(' > Starting with inf best loss.', new Map())?.nonFinite, undefined);
  assert.equal(hasNonFiniteValue(' > Starting with inf best loss.'), false);
  // a loss that is inf is still one
  assert.equal(hasNonFiniteValue('   | > loss: inf  (1.35494)'), true);
});

test("InvSR's slash-separated values: a signed `+nan/` is a value, not a path, and `Train: 017400/200000` is the step", () => {
  const reading = readSegment('Train: 017400/200000, ldif/ldis/llpips/real/fake:t(100):0.30/  +nan/0.235/+nan/+nan, t(250):0.31/  +nan/0.235/+nan/+nan, lr:5.0e-05', new Map());
  assert.equal(reading?.nonFinite?.value, 'nan');
  assert.equal(reading?.step, 17400);
  // an unsigned name in a path stays a name
  assert.equal(hasNonFiniteValue('saved to runs/nan/ckpt.pt'), false);
});

test("Marian's abbreviated counters: `Ep. 1 : Up. 300` are the epoch and the step", () => {
  // marian-dev #699
  const reading = readSegment('[2020-09-05 20:22:42] Ep. 1 : Up. 300 : Sen. 137,255 : Cost nan : Time 17.18s : nan words/s : gNorm 41172.8250', new Map());
  assert.deepEqual([reading?.step, reading?.epoch, reading?.nonFinite?.metric], [300, 1, 'Cost']);
  // `up` without its dot is a word, not a counter
  assert.equal(readSegment('speed up 2 | loss nan', new Map())?.step, null);
});

test('an error rate over no reference tokens (cer_ctc=nan next to finite losses) is no divergence', () => {
  for (const name of ['cer_ctc', 'wer', 'valid/cer', 'cer_transducer']) assert.equal(isSentinel(name, 'nan'), true, name);
  assert.equal(isSentinel('cer_loss_weight', 'inf'), false);
  assert.equal(readSegment('[valid] loss_ctc=9.870, cer_ctc=nan, loss_transducer=6.520, loss=9.481', new Map())?.nonFinite, undefined);
});

test("tensorboardX's `Warning: NaN or Inf found in input tensor.` is a mention; TensorFlow's `Loss is inf or nan` is the loss", () => {
  const headers = new Map();
  assert.equal(readSegment('Warning: NaN or Inf found in input tensor.', headers)?.nonFinite, undefined);
  assert.equal(readSegment('tensorflow.python.framework.errors.InvalidArgumentError: Loss is inf or nan : Tensor had NaN values', headers)?.nonFinite?.metric, 'loss');
});

test('every non-finite value the line shows is named, with its whole label, when the format saw fewer', () => {
  const r = readSegment('=> Epoch: 98 Train loss: 5.46163 Train miou: 0.36632 Val loss: nan Val miou: nan...', new Map());
  assert.deepEqual([r?.nonFinite?.metric, r?.nonFiniteNames], ['Val loss', ['Val loss', 'Val miou']]);
});
