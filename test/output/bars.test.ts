import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRunAnalyzer, splitAfterBars } from '../../src/engine/output/analyzer';
import { scanFile } from '../../src/engine/output/scan';
import { scanTextFast } from '../../src/engine/output/fast-scan';
import type { RunScan, TrainingEvent } from '../../src/engine/types';

function analyze(text: string): { result: RunScan; events: TrainingEvent[] } {
  const a = createRunAnalyzer('train.log');
  const events: TrainingEvent[] = [];
  a.onEvent((e) => events.push(e));
  a.feed(text);
  a.end();
  return { result: a.result(), events };
}

test('text glued after a complete tqdm bar is a segment of its own', () => {
  const bar = 'Steps:   0%|          | 1/30000 [00:04<40:34:55,  4.87s/it]';
  assert.deepEqual(splitAfterBars(`${bar}11/25/2026 10:03:18 - INFO - __main__ - Running validation... `), [bar, '11/25/2026 10:03:18 - INFO - __main__ - Running validation... ']);
  // tqdm pads a shrinking bar with spaces; an HF metrics dict can land after it.
  const hf = ' 17%|█▋        | 2/12 [00:00<00:00, 1040.27it/s]';
  assert.deepEqual(splitAfterBars(`${hf}    {'loss': nan, 'epoch': 0.5}`), [hf, "{'loss': nan, 'epoch': 0.5}"]);
  // Unknown totals (`5it [...]`), and two bars in a row with a line after each.
  assert.deepEqual(splitAfterBars('5it [00:01, 4.20it/s]INFO: saving checkpoint'), ['5it [00:01, 4.20it/s]', 'INFO: saving checkpoint']);
  // Nothing after the bar, or a bracket inside the postfix: one segment.
  for (const whole of [bar, `${bar}   `, 'Steps: 10%|█ | 1/10 [00:01<00:09, lr=[1e-05], loss=0.5]', 'Epoch 0: 10%|█ | 1/10 [00:01<00:09, loss=tensor([nan])]']) {
    assert.deepEqual(splitAfterBars(whole), [whole]);
  }
});

test('a logging line glued after the bar is read: its validation event lands at the bar step', () => {
  const { events } = analyze('\rSteps:   0%|          | 1/100 [00:04<06:34,  4.87s/it]11/25/2026 10:03:18 - INFO - __main__ - Running validation... \n');
  assert.deepEqual(
    events.map((e) => [e.kind, e.step, e.line]),
    [
      ['step', 1, 1],
      ['validation', 1, 1],
    ],
  );
});

// The shape of the hallo example: the validation's pipeline bar (another total, drawn with ESC[A) runs
// between a step's bar and the postfix that shows that step's loss.
function nestedRun(steps: number, validateAt: (s: number) => boolean, nanAt: number | null, total = steps): string {
  let out = '\rSteps:   0%|          | 0/' + total + ' [00:00<?, ?it/s]';
  // Losses change every step, as real ones do (a tqdm redraw with an unchanged postfix is no new value).
  const lossAt = (s: number) => (nanAt !== null && s >= nanAt ? 'nan' : (0.1 + s / 10000).toFixed(4));
  for (let s = 1; s <= steps; s++) {
    const loss = lossAt(s);
    // tqdm's update() redraws the bar with the previous step's postfix (none before the first set_postfix).
    const previous = s === 1 ? '' : `, lr=1e-5, step_loss=${lossAt(s - 1)}`;
    out += `\rSteps:   0%|          | ${s}/${total} [00:0${s % 10}<40:34:55,  4.87s/it${previous}]`;
    if (validateAt(s)) {
      out += '11/25/2026 10:03:18 - INFO - __main__ - Running validation... \n\n';
      out += '\r  0%|          | 0/20 [00:00<?, ?it/s]\x1b[A\n';
      for (let k = 2; k <= 20; k += 2) out += `\r ${k * 5}%|█         | ${k}/20 [00:00<00:01, 12.35it/s]\x1b[A\n`;
    }
    out += `\rSteps:   0%|          | ${s}/${total} [00:0${s % 10}<40:34:55,  4.87s/it, lr=1e-5, step_loss=${loss}]`;
  }
  return out + '\n';
}

test('a nested validation bar does not move the training step; the validation is before the incident', () => {
  const { result, events } = analyze(nestedRun(5, (s) => s === 1, 2, 30000));
  assert.deepEqual(result.incident?.before, [{ line: 1, step: 1, event: 'validation' }]);
  assert.equal(result.incident?.step, 2);
  assert.deepEqual(result.steps, { first: 0, last: 5 });
  // No training step ever reads 20 or any count of the nested bar.
  const trainingSteps = events.filter((e) => e.kind === 'step').map((e) => e.step);
  assert.ok(trainingSteps.every((s) => s !== null && s <= 5), JSON.stringify(trainingSteps));
});

test('a run that ends inside a validation bar still reports its training steps', () => {
  const text = nestedRun(3, (s) => s === 3, null, 3000).replace(/\rSteps:[^\r]*\n$/, '\n');
  const { result } = analyze(text);
  assert.equal(result.incident, null);
  assert.deepEqual(result.steps, { first: 0, last: 3 });
});

test('a finished dataset bar gives way to the training bar; an outer bar without metrics does not move the counter', () => {
  const maps = analyze('Map: 100%|██████████| 1000/1000 [00:00<00:00, 9123.31 examples/s]\n  0%|          | 0/12 [00:00<?, ?it/s]\r  8%|▊         | 1/12 [00:00<00:00, 593.34it/s]\n');
  assert.deepEqual(maps.result.steps, { first: 1000, last: 1 });
  // The batch bar carries the loss; the epoch bar around it is another bar.
  const nested = analyze('Epochs:   0%|          | 0/3 [00:00<?, ?it/s]\nbatch:  50%|█████     | 5/10 [00:01<00:01, loss=0.5]\nEpochs:  33%|███▎      | 1/3 [00:02<00:04, 0.5it/s]\nbatch:  10%|█         | 1/10 [00:00<00:01, loss=nan]\n');
  // (a bar over the epochs counts epochs: it is no step of its own)
  assert.deepEqual(nested.events.filter((e) => e.kind === 'step').map((e) => e.step), [5, 1]);
  assert.equal(nested.result.incident?.step, 1);
  assert.equal(nested.result.incident?.epoch, 1);
  assert.equal(nested.result.incident?.line, 4);
});

test('a non-finite value on a nested bar is still the incident, at the training step', () => {
  const text = 'Steps:  10%|█         | 3/30 [00:01<00:09, loss=0.5]\nINFO - Running validation...\n 50%|█████     | 1/2 [00:00<00:00, val_loss=nan]\n';
  const { result } = analyze(text);
  assert.deepEqual(result.incident && { line: result.incident.line, step: result.incident.step, metric: result.incident.metric }, { line: 3, step: 3, metric: 'val_loss' });
  assert.deepEqual(result.steps, { first: 3, last: 3 });
});

test('big log: the fast path agrees with the full analyzer on glued validation lines and nested bars', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'nd-bars-'));
  const path = join(dir, 'big.log');
  writeFileSync(path, 'accelerate launch --mixed_precision no train.py --config c.yaml\n' + nestedRun(1200, (s) => s % 100 === 0, 1001));
  const tiny = { headBytes: 2048, windowBytes: 4096, tailBytes: 2048, chunkBytes: 8192, maxSegmentBytes: 65536, readsAhead: 2, parallelMinBytes: Infinity, workerCandidates: 10 };
  const thorough = await scanFile(path, { displayName: 'big.log', thorough: true });
  const handle = await open(path);
  const fast = await scanTextFast(handle, 'big.log', undefined, tiny).finally(() => handle.close());
  assert.deepEqual(fast, thorough);
  assert.equal(thorough.incident?.step, 1001);
  assert.deepEqual(
    thorough.incident?.before.map((b) => [b.event, b.step]),
    [['validation', 1000]],
  );
  assert.deepEqual(thorough.steps, { first: 0, last: 1200 });
  assert.equal(thorough.command, 'accelerate launch --mixed_precision no train.py --config c.yaml');
});
