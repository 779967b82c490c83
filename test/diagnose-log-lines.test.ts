// The first-nonfinite diagnostic covers the log line's text: on a CRLF log (Windows), not the `\r`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { diagnose } from '../src/engine/diagnose.ts';

function workspace(t: { after(fn: () => void): void }, log: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'nan-doctor-lines-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'train.log'), log);
  return dir;
}

async function firstNonFiniteRange(dir: string) {
  const r = await diagnose({ root: dir });
  const d = r.diagnostics.find((x) => x.code === 'first-nonfinite');
  assert.ok(d, JSON.stringify(r));
  return d.range;
}

test('a CRLF log: the range ends at the 16th character of `step 2 loss: nan`, before the \\r', async (t) => {
  const dir = workspace(t, 'step 1 loss: 0.5\r\nstep 2 loss: nan\r\n');
  assert.deepEqual(await firstNonFiniteRange(dir), { start: { line: 1, character: 0 }, end: { line: 1, character: 16 } });
});

test('a LF log keeps the whole line; tqdm redraws separated by \\r stay in the range', async (t) => {
  const dir = workspace(t, 'step 1 loss: 0.5\nstep 2 loss: nan\n');
  assert.deepEqual((await firstNonFiniteRange(dir)).end, { line: 1, character: 16 });
  const bar = ' 50%|#####     | 1/2 [00:01<00:01,  1.00it/s]\r100%|##########| 2/2 [00:02<00:00,  1.00it/s, loss=nan]';
  const redraws = workspace(t, `${bar}\n`);
  assert.deepEqual((await firstNonFiniteRange(redraws)).end, { line: 0, character: bar.length });
});

test('a CRLF line whose \\r ends one read chunk and whose \\n starts the next', async (t) => {
  const CHUNK = 64 * 1024; // createReadStream's default highWaterMark
  const lines: string[] = [];
  let size = 0;
  for (let i = 1; size < CHUNK - 200; i++) {
    const l = `step ${i} loss: 0.5\r\n`;
    lines.push(l);
    size += l.length;
  }
  const nan = `step ${lines.length + 1} loss: nan`;
  // pad one finite line so that the incident line's \r is the chunk's last byte
  const pad = CHUNK - 1 - size - nan.length;
  lines[0] = lines[0].replace('\r\n', `${' '.repeat(pad)}\r\n`);
  const log = lines.join('') + `${nan}\r\n`;
  assert.equal(log[CHUNK - 1], '\r');
  const dir = workspace(t, log);
  assert.deepEqual(await firstNonFiniteRange(dir), { start: { line: lines.length, character: 0 }, end: { line: lines.length, character: nan.length } });
});
