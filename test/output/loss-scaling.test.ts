import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRunAnalyzer } from '../../src/engine/output/analyzer';
import { isGradNormOverflow } from '../../src/engine/output/loss-scaling';
import type { RunScan, TrainingEvent } from '../../src/engine/types';

function analyze(log: string): { result: RunScan; events: TrainingEvent[] } {
  const a = createRunAnalyzer('train.log');
  const events: TrainingEvent[] = [];
  a.onEvent((e) => events.push(e));
  a.feed(log);
  a.end();
  return { result: a.result(), events };
}

// An HF Trainer-style log: a step whose gradient norm is infinite while its loss is finite.
const steps = "{'loss': 2.1211, 'grad_norm': inf, 'learning_rate': 1e-05, 'epoch': 0.01}\n{'loss': 2.0044, 'grad_norm': 3.1211, 'learning_rate': 1e-05, 'epoch': 0.02}\n";

test('an infinite grad norm with a finite loss is a skipped step when the log shows nothing about scaling', () => {
  const { result, events } = analyze(steps);
  assert.equal(result.incident, null);
  assert.equal(events[0].kind, 'overflow');
});

test('...and when the run declares fp16 mixed precision or shows its loss scaler at work', () => {
  for (const head of [
    'Mixed precision type: fp16\n',
    'accelerate launch --mixed_precision fp16 train.py\n',
    '[2024-02-10 12:00:10,001] [INFO] [loss_scaler.py:183:update_scale] [deepspeed] OVERFLOW! Rank 0 Skipping step. Attempted loss scale: 65536, reducing to 32768\n',
    // A scaler at work wins over a declaration that names none.
    'Mixed precision type: no\nGradient overflow.  Skipping step, loss scaler 0 reducing loss scale to 32768.0\n',
  ]) {
    assert.equal(analyze(head + steps).result.incident, null, head);
  }
});

test('without a loss scaler an infinite grad norm is the first non-finite value: an incident, as trainer_state.json reports it', () => {
  for (const head of ['Mixed precision type: no\n', 'Mixed precision type: bf16\n', 'torchrun --nproc_per_node=2 train.py --bf16\n']) {
    const { result } = analyze(head + steps);
    assert.deepEqual(result.incident && { line: result.incident.line, metric: result.incident.metric, value: result.incident.value, kind: result.incident.kind }, { line: 2, metric: 'grad_norm', value: 'inf', kind: 'metric' }, head);
  }
});

test('a non-finite loss is an incident whatever the scaling', () => {
  const { result } = analyze("Mixed precision type: fp16\n{'loss': nan, 'grad_norm': inf, 'learning_rate': 1e-05, 'epoch': 0.01}\n");
  assert.equal(result.incident?.metric, 'loss');
});

test('the case the rule covers: only gradient norms are non-finite and a loss is finite', () => {
  const v = (name: string, finite: boolean, sentinel = false) => ({ name, finite, sentinel });
  assert.equal(isGradNormOverflow([v('loss', true), v('grad_norm', false), v('learning_rate', true)]), true);
  assert.equal(isGradNormOverflow([v('loss', false), v('grad_norm', false)]), false);
  assert.equal(isGradNormOverflow([v('grad_norm', false)]), false);
  assert.equal(isGradNormOverflow([v('loss', true), v('grad_norm', false), v('lr', false)]), false);
  assert.equal(isGradNormOverflow([v('loss', true), v('max_grad_norm', false, true)]), false);
});

test("fairseq's scaler goes below 1 on its way to --min-loss-scale: skipped steps with training logged between them recover, a cascade near the floor does not", () => {
  // fairseq #515: overflows down to 0.0039, every logged update finite: no incident
  const update = (n: number, loss: string, scale: string) => `| epoch 001:    ${n} / 1374 loss=${loss}, ppl=20899.56, num_updates=${n - 10}, lr=4.8e-06, gnorm=3.901, loss_scale=${scale}, wall=1061\n`;
  const recovering =
    '| WARNING: overflow detected, setting loss scale to: 0.0625\n' +
    update(200, '14.351', '0.062') +
    '| WARNING: overflow detected, setting loss scale to: 0.03125\n' +
    update(300, '13.137', '0.031') +
    ['0.015625', '0.0078125', '0.00390625'].map((s) => `| WARNING: overflow detected, setting loss scale to: ${s}\n`).join('') +
    update(400, '12.636', '0.004');
  assert.equal(analyze(recovering).result.incident, null);
  // fairseq #512: after the last update every step overflows: the cascade's first overflow is the incident
  const halvings = Array.from({ length: 10 }, (_, i) => `| WARNING: overflow detected, setting loss scale to: ${0.25 / 2 ** i}\n`).join('');
  const cascade = update(200, '6.343', '0.500') + halvings;
  assert.deepEqual([analyze(cascade).result.incident?.line, analyze(cascade).result.incident?.kind], [2, 'overflow']);
  // an earlier overflow that training got past is not where the cascade began
  const later = '| WARNING: overflow detected, setting loss scale to: 0.5\n' + cascade;
  assert.equal(analyze(later).result.incident?.line, 3);
});
