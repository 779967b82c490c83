import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { createRunAnalyzer } from '../../src/engine/output/analyzer';
import type { Incident, TrainingEvent } from '../../src/engine/types';

const fixture = (name: string) => readFileSync(join(__dirname, 'fixtures', name));

test('incident and events are reported through callbacks, the incident once', () => {
  const a = createRunAnalyzer('train.log');
  const incidents: Incident[] = [];
  const events: TrainingEvent[] = [];
  a.onIncident((i) => incidents.push(i));
  a.onEvent((e) => events.push(e));
  a.feed('python train.py --config cfg.yaml\nstep 1: loss=0.5\nstep 2: loss=nan\nstep 3: loss=nan\n');
  a.end();
  assert.equal(incidents.length, 1);
  assert.equal(incidents[0].line, 3);
  assert.equal(a.incident()?.step, 2);
  assert.equal(a.result().command, 'python train.py --config cfg.yaml');
  assert.deepEqual(events.map((e) => e.kind), ['command', 'step', 'step', 'step']);
});

test('a finite run has no incident and reports its steps', () => {
  const a = createRunAnalyzer('ok.log');
  a.feed(fixture('tqdm-eta.trap.log'));
  a.end();
  assert.deepEqual(a.result(), { log: 'ok.log', formats: ['tqdm', 'hf-trainer'], incident: null, steps: { first: 0, last: 10 } });
});

test('any chunking of a real log gives the same result (property)', () => {
  for (const name of ['accelerate-tqdm.log', 'hf-trainer.log', 'mmengine.log', 'keras2.log']) {
    const bytes = fixture(name);
    const whole = createRunAnalyzer(name);
    whole.feed(bytes);
    whole.end();
    const expected = whole.result();
    fc.assert(
      fc.property(fc.array(fc.nat(bytes.length), { maxLength: 12 }), (cuts) => {
        const a = createRunAnalyzer(name);
        let from = 0;
        for (const c of [...cuts].sort((x, y) => x - y)) {
          a.feed(bytes.subarray(from, c));
          from = c;
        }
        a.feed(bytes.subarray(from));
        a.end();
        assert.deepEqual(a.result(), expected);
      }),
      { numRuns: 40 },
    );
  }
});

test('FloatingPointError after a prefix is an incident; the source line of a handler is not', () => {
  const incidentOf = (text: string) => {
    const a = createRunAnalyzer('train.log');
    a.feed(text);
    a.end();
    return a.incident();
  };
  // A traceback prints the source line of the frame: `except FloatingPointError:` there is code, not the error.
  assert.equal(incidentOf('step 1: loss=0.5\n    except FloatingPointError: return None\n  raise FloatingPointError(msg)\n'), null);
  const ray = incidentOf('step 1: loss=0.5\n(RayTrainWorker pid=4242) FloatingPointError: gradients are Nan/Inf\n');
  assert.deepEqual([ray?.line, ray?.kind, ray?.value], [2, 'error', 'nan']);
  const fairseq = incidentOf('2024-01-01 10:00:00 | ERROR | fairseq_cli.train | FloatingPointError: Loss is inf\n');
  assert.deepEqual([fairseq?.line, fairseq?.kind, fairseq?.value, fairseq?.metric], [1, 'error', 'inf', 'loss']);
});

test('a log that shows only epochs (a header line, then metric lines): the epoch is the step', () => {
  const a = createRunAnalyzer('training_log.txt');
  a.feed('2023-08-09 14:55:25.642011: Epoch 0 \n2023-08-09 14:55:25.642085: Current learning rate: 0.01 \n2023-08-09 15:17:51.409852: train_loss nan \n');
  a.end();
  assert.deepEqual([a.incident()?.line, a.incident()?.step, a.incident()?.epoch, a.incident()?.metric], [3, 0, 0, 'train_loss']);
});

test('per-batch lines that count samples, not batches: the epoch is the step, never the sample count', () => {
  const a = createRunAnalyzer('train.log');
  a.feed('Train Epoch: 1 [0/6000 (0%)]\tLoss: 0.039806\nTrain Epoch: 1 [16/6000 (0%)]\tLoss: 0.040904\nTrain Epoch: 1 [32/6000 (1%)]\tLoss: nan\n');
  a.end();
  assert.deepEqual([a.incident()?.line, a.incident()?.step, a.incident()?.epoch], [3, 1, 1]);
});

test('an exception glued to the last frame of a traceback (a paste that lost a newline) is still the error', () => {
  const a = createRunAnalyzer('train.log');
  a.feed('Traceback (most recent call last):\n  File "train_tacotron.py", line 721, in <module>\n    main(args)RuntimeError:  [!] NaN loss with decoder_loss.\n\n  File "train_tacotron.py", line 623, in main\n');
  a.end();
  assert.equal(a.incident()?.line, 3);
  // a frame's code that raises is no incident
  const b = createRunAnalyzer('train.log');
  b.feed('Traceback (most recent call last):\n  File "train.py", line 9, in step\n    raise RuntimeError("loss is nan")\nKeyboardInterrupt\n');
  b.end();
  assert.equal(b.incident(), null);
});

test('a whole traceback pasted on one line: its exception is the error, the code its frames quote is not read', () => {
  // OpenNMT-tf #927, frames and exception on one line as the issue shows them
  const a = createRunAnalyzer('train.log');
  a.feed(
    'Step = 297600 ; Learning rate = 0.000187 ; Loss = 1.610771\nTraceback (most recent call last):\n' +
      '  File "main.py", line 356, in <module>    main()  File "training.py", line 269, in _steps    raise RuntimeError("Model diverged with loss = NaN.")RuntimeError: Model diverged with loss = NaN.\n',
  );
  a.end();
  assert.deepEqual([a.incident()?.line, a.incident()?.kind, a.incident()?.step], [3, 'error', 297600]);
  // the quoted code says nan; the exception that ended it does not
  const b = createRunAnalyzer('train.log');
  b.feed('  File "train.py", line 9, in step    raise ValueError("loss is nan")  File "io.py", line 3, in save    f.write(x)OSError: [Errno 28] No space left on device\n');
  b.end();
  assert.equal(b.incident(), null);
});

test("a script's warning printed between two progress lines happened during the step the next one closes", () => {
  const a = createRunAnalyzer('train.log');
  a.feed('Epoch: [1][4690/6051]   Time 1.800 (1.857)      Loss 45.0176 (73.3756)\nEpoch: [1][4691/6051]   Time 1.861 (1.857)      Loss 40.6438 (73.3686)\nWARNING: received a nan loss, setting loss value to 0\nSkipping grad update\nEpoch: [1][4692/6051]   Time 1.720 (1.857)      Loss 0.0000 (73.3565)\n');
  a.end();
  assert.deepEqual([a.incident()?.line, a.incident()?.step, a.incident()?.kind], [3, 4692, 'error']);
});

test("a loss's running average turning NaN (`loss: 5.66 (nan)`) is the incident; a grad norm's is a skipped step", () => {
  const a = createRunAnalyzer('log.txt');
  a.feed('iter: 540  loss: 5.6012 (2.9011)  loss_cls: 0.6401 (0.5402)  lr: 0.010000\niter: 560  loss: 5.6569 (nan)  loss_cls: 0.6532 (nan)  lr: 0.010000\n');
  a.end();
  assert.deepEqual([a.incident()?.line, a.incident()?.step, a.incident()?.metric], [2, 560, 'loss']);
  const b = createRunAnalyzer('log.txt');
  b.feed('Train: [0/100][10/500]  loss 2.31 (2.40)  grad_norm 0.81 (nan)\nTrain: [0/100][20/500]  loss 2.29 (2.38)  grad_norm 0.79 (nan)\n');
  b.end();
  assert.equal(b.incident(), null);
});

test('a labeled counter that never moves while the epoch does (`Epoch 1, Iter 0:`): the epoch is the step', () => {
  const a = createRunAnalyzer('log.txt');
  a.feed('Epoch 0, Iter 0: Loss:0.7123 S-loss:0.5012\nEpoch 1, Iter 0: Loss:nan S-loss:nan\n');
  a.end();
  assert.deepEqual([a.incident()?.line, a.incident()?.step, a.incident()?.epoch], [2, 1, 1]);
});
