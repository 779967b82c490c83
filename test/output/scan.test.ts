import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ScanError, looksBinary, scanFile } from '../../src/engine/output/scan';
import { scanTextFast } from '../../src/engine/output/fast-scan';

const dir = mkdtempSync(join(tmpdir(), 'nd-scan-'));

test('missing files, directories and binary data are clear ScanErrors', async () => {
  await assert.rejects(scanFile(join(dir, 'nope.log'), { displayName: 'nope.log' }), (e: unknown) => e instanceof ScanError && e.file === 'nope.log' && /no such file/.test(e.reason));
  await assert.rejects(scanFile(dir, { displayName: 'somedir' }), (e: unknown) => e instanceof ScanError && /directory/.test(e.reason));
  const binary = join(dir, 'model.bin');
  writeFileSync(binary, Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 1, 2, 3, 0, 0, 110, 97, 110]));
  await assert.rejects(scanFile(binary), (e: unknown) => e instanceof ScanError && /binary/.test(e.reason));
});

test('UTF-16 without a byte-order mark is named as such, not as binary data', async () => {
  const bomless = join(dir, 'bomless.log');
  writeFileSync(bomless, Buffer.from('step 1 loss: 0.5\r\nstep 2 loss: nan\r\n', 'utf16le'));
  await assert.rejects(scanFile(bomless, { displayName: 'bomless.log' }), (e: unknown) => e instanceof ScanError && /UTF-16/.test(e.reason) && /UTF-8/.test(e.reason));
});

test('backspaces are text (Keras redraws), other control bytes still mean binary', () => {
  const keras = Buffer.from(' 1/10 [==>....] - ETA: 5s - loss: 0.6931' + '\b'.repeat(40) + '\r 2/10 [====>..] - ETA: 4s - loss: nan');
  assert.equal(looksBinary(keras), false);
  assert.equal(looksBinary(Buffer.from('loss=1 ' + '\x01\x02\x03'.repeat(20))), true);
});

test('an empty or truncated log is a clean result', async () => {
  const empty = join(dir, 'empty.log');
  writeFileSync(empty, '');
  assert.deepEqual(await scanFile(empty, { displayName: 'empty.log' }), { log: 'empty.log', formats: [], incident: null, steps: null });
  const truncated = join(dir, 'truncated.log');
  writeFileSync(truncated, 'step 1: loss=0.5\nstep 2: loss=na');
  assert.equal((await scanFile(truncated)).incident, null);
});

// A log bigger than the fast path's head, window and tail, so the prefilter and the replay really run.
function bigLog(nanStep: number | null): { text: string; nanLine: number } {
  const lines: string[] = ['accelerate launch train.py --config configs/a.yaml'];
  let nanLine = -1;
  for (let s = 1; s <= 3000; s++) {
    const nan = s === nanStep;
    const redraw = nan ? '' : `\rSteps: ${s}/3000 [00:01<00:09, lr=1e-05, step_loss=0.5]`;
    lines.push(`${redraw}\rSteps: ${s}/3000 [00:01<00:09, lr=1e-05, step_loss=${nan ? 'nan' : '0.4'}]`);
    if (nan) nanLine = lines.length;
    lines.push(`2024-05-01 12:00:00,000 - INFO - __main__ - step ${s}: loss=0.4 inference_time=0.1 finance=1`);
    if (s % 500 === 0) lines.push('2024-05-01 12:00:00,000 - INFO - __main__ - Running validation... ');
    // Real candidates for the prefilter that are not incidents (a sentinel), so every path replays some.
    if (s % 50 === 0) lines.push('2024-05-01 12:00:00,000 - INFO - __main__ - best_val_loss: inf');
  }
  return { text: lines.join('\n') + '\n', nanLine };
}

const tiny = { headBytes: 2048, windowBytes: 4096, tailBytes: 2048, chunkBytes: 8192, maxSegmentBytes: 65536, readsAhead: 2, parallelMinBytes: Infinity, workerCandidates: 10 };

for (const nanStep of [null, 7, 501, 1499, 2999]) {
  test(`the fast path agrees with the full analyzer (NaN at step ${nanStep})`, async () => {
    const { text, nanLine } = bigLog(nanStep);
    const path = join(dir, `big-${nanStep}.log`);
    writeFileSync(path, text);
    const thorough = await scanFile(path, { displayName: 'big.log', thorough: true });
    const handle = await open(path);
    const fast = await scanTextFast(handle, 'big.log', undefined, tiny).finally(() => handle.close());
    assert.deepEqual(fast, thorough);
    // The same with the second half prefiltered on a worker thread (few candidates per worker, to test its hand-back).
    const again = await open(path);
    const parallel = await scanTextFast(again, 'big.log', undefined, { ...tiny, parallelMinBytes: 1 }, path).finally(() => again.close());
    assert.deepEqual(parallel, thorough);
    assert.equal(thorough.incident?.line ?? -1, nanLine);
    assert.equal(readFileSync(path, 'utf8').split('\n')[nanLine - 1]?.includes('step_loss=nan') ?? true, true);
    if (nanStep === 1499) assert.deepEqual(thorough.incident?.before, []);
    if (nanStep === 501) assert.deepEqual(fast.incident?.before.map((b) => b.event), ['validation']);
  });
}

test('a structured file that does not parse is read as text, not lost: a trainer_state.json pasted without its opening brace', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'nan-doctor-scan-'));
  const path = join(dir, 'trainer_state.json');
  const records = [
    ' "best_metric": null,',
    '  "global_step": 1500,',
    '  "log_history": [',
    '    {',
    '      "epoch": 6.33,',
    '      "loss": 14.8414,',
    '      "step": 500',
    '    },',
    '    {',
    '      "epoch": 6.33,',
    '      "eval_loss": NaN,',
    '      "eval_wer": 0.99996,',
    '      "step": 500',
    '    },',
  ];
  writeFileSync(path, records.join('\n') + '\n');
  const r = await scanFile(path, { displayName: 'trainer_state.json' });
  assert.deepEqual([r.incident?.line, r.incident?.metric, r.incident?.step], [11, 'eval_loss', 500]);
  // a file that parses is still read as the structured format it is
  writeFileSync(path, JSON.stringify({ log_history: [{ loss: 1.2, step: 1 }, { loss: Number.NaN, step: 2 }] }).replace('null', 'NaN'));
  assert.deepEqual((await scanFile(path)).formats, ['trainer-state']);
});
