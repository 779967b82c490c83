// A notebook cell's outputs as one text, and what a streaming cell's text changed by.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { deltaBytes, joinOutputTexts, nbformatOutputText, outputDelta } from '../../src/engine/output/notebook-text';
import { createRunAnalyzer } from '../../src/engine/output/analyzer';

test('outputs joined in order, each on a line of its own; stream text lists and text/plain results', () => {
  assert.equal(joinOutputTexts(['\r 10%|█ | 1/10', 'step 1: loss=0.5\n', '', '2']), '\r 10%|█ | 1/10\nstep 1: loss=0.5\n2');
  const outputs = [
    { output_type: 'stream', name: 'stdout', text: ['a\n', 'b\n'] },
    { output_type: 'display_data', data: { 'image/png': 'iVBOR…', 'text/plain': '<Figure size 640x480>' } },
    { output_type: 'error', ename: 'ValueError', evalue: 'x', traceback: [] },
    { output_type: 'execute_result', data: { 'text/plain': ['0.5'] } },
    null,
  ];
  assert.equal(nbformatOutputText(outputs), 'a\nb\n<Figure size 640x480>\n0.5');
  assert.equal(nbformatOutputText('garbage'), '');
});

test('deltas: appended text, a redrawn last line (the editor keeps only the last redraw), a cleared cell', () => {
  assert.deepEqual(outputDelta('a\n 10%', 'a\n 10%|█'), { op: 'append', text: '|█' });
  assert.deepEqual(outputDelta('a\n 10%|█', 'a\n 20%|██'), { op: 'redraw', text: ' 20%|██' });
  assert.deepEqual(outputDelta('a\n 10%|█', 'a\n100%|██████████\nloss nan\n'), { op: 'redraw', text: '100%|██████████\nloss nan\n' });
  assert.deepEqual(outputDelta('a\nb\n', 'x\n'), { op: 'reset', text: 'x\n' });
  assert.deepEqual(outputDelta('a\n', 'a\n'), null);
  assert.equal(deltaBytes({ op: 'redraw', text: 'x' }), '\rx');
});

test('reading a stream through its deltas finds what reading the raw stream finds (same line, same step)', () => {
  // What the editor shows after each chunk: carriage-return redraws collapsed to their last one.
  const collapse = (raw: string) => raw.split('\n').map((l) => l.split('\r').pop()).join('\n');
  const chunk = fc.constantFrom('\r 10%|█         | 1/10 [00:01<00:09]', '\r 20%|██        | 2/10 [00:02<00:08]', 'step 3: loss=0.41\n', 'step 4: loss=nan\n', 'epoch 1\n');
  fc.assert(
    fc.property(fc.array(chunk, { maxLength: 12 }), (chunks) => {
      const raw = createRunAnalyzer('raw');
      const viaDeltas = createRunAnalyzer('deltas');
      let sent = '';
      let seen = '';
      for (const c of chunks) {
        raw.feed(c);
        seen += c;
        const d = outputDelta(sent, collapse(seen));
        if (d) {
          assert.notEqual(d.op, 'reset');
          viaDeltas.feed(deltaBytes(d));
          sent = collapse(seen);
        }
      }
      const a = raw.result().incident;
      const b = viaDeltas.result().incident;
      assert.deepEqual(b && { line: b.line, step: b.step, metric: b.metric }, a && { line: a.line, step: a.step, metric: a.metric });
    }),
  );
});
