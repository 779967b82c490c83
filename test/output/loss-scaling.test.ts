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
