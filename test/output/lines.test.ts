import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { LineReader, type OutputSegment } from '../../src/engine/output/lines';

function read(chunks: (Uint8Array | string)[], maxSegmentBytes?: number): { segments: OutputSegment[]; lines: number } {
  const segments: OutputSegment[] = [];
  const reader = new LineReader((s) => segments.push(s), { maxSegmentBytes });
  for (const c of chunks) reader.push(c);
  reader.end();
  return { segments, lines: reader.lineCount };
}

test('lines are numbered like grep -n; carriage-return redraws stay on their line', () => {
  const { segments, lines } = read(['a\r\x1b[32mb\x1b[0m\nc\n\nd']);
  assert.deepEqual(segments, [
    { line: 1, text: 'a' },
    { line: 1, text: 'b' },
    { line: 2, text: 'c' },
    { line: 4, text: 'd' },
  ]);
  assert.equal(lines, 4);
});

test('CRLF line endings do not add lines or empty segments', () => {
  assert.deepEqual(read(['x=1\r\ny=2\r\n']).segments, [
    { line: 1, text: 'x=1' },
    { line: 2, text: 'y=2' },
  ]);
});

test('invalid UTF-8 becomes replacement characters, never an exception', () => {
  const { segments } = read([Uint8Array.from([0x6c, 0x6f, 0x73, 0x73, 0xff, 0xfe, 0x3d, 0x31, 0x0a])]);
  assert.equal(segments[0].text, 'loss\ufffd\ufffd=1');
});

test('a huge segment keeps only its start and end', () => {
  const big = 'x'.repeat(100_000) + 'loss=nan';
  const { segments } = read([big + '\n'], 1024);
  assert.equal(segments.length, 1);
  assert.ok(segments[0].text.length < 1100, `kept ${segments[0].text.length} chars`);
  assert.ok(segments[0].text.endsWith('loss=nan'));
});

test('a long line of redraws is read segment by segment, each bounded', () => {
  const redraw = '\rSteps: 10%|█ | 1/10 [00:01<00:09, step_loss=0.5]';
  let longest = 0;
  let count = 0;
  const reader = new LineReader((s) => {
    count++;
    longest = Math.max(longest, s.text.length);
  });
  for (let i = 0; i < 2000; i++) reader.push(redraw.repeat(50));
  reader.end();
  assert.equal(count, 100_000);
  assert.ok(longest < 100);
  assert.equal(reader.lineCount, 1);
});

test('any chunk boundaries give the same segments (property)', () => {
  const pieces = fc.constantFrom('a', 'loss=nan', '\r', '\n', '\r\n', '\x1b[2K', '\x1b[A', 'é', '█', ' ', 'step 3', '\xff');
  fc.assert(
    fc.property(fc.array(pieces, { maxLength: 60 }), fc.array(fc.nat(), { maxLength: 10 }), fc.integer({ min: 16, max: 64 }), (parts, cuts, max) => {
      const bytes = Buffer.from(parts.map((p) => (p === '\xff' ? '\u00ff' : p)).join(''), 'latin1');
      const whole = read([bytes], max);
      const at = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
      const chunks: Uint8Array[] = [];
      let from = 0;
      for (const c of at) {
        chunks.push(bytes.subarray(from, c));
        from = c;
      }
      chunks.push(bytes.subarray(from));
      assert.deepEqual(read(chunks, max), whole);
    }),
    { numRuns: 300 },
  );
});

// Windows PowerShell 5.1 `>` writes UTF-16LE with a byte-order mark; some tools write UTF-16BE.
function utf16(text: string, bigEndian: boolean): Uint8Array {
  const le = Buffer.from('\ufeff' + text, 'utf16le');
  return bigEndian ? Buffer.from(le).swap16() : le;
}

test('UTF-16 output with a byte-order mark is decoded, whatever the chunking', () => {
  const text = 'step 1 loss: 0.5\r\nstep 2 loss: nan \u00b5\u{1f525}\r\n';
  const want = [
    { line: 1, text: 'step 1 loss: 0.5' },
    { line: 2, text: 'step 2 loss: nan \u00b5\u{1f525}' },
  ];
  for (const bigEndian of [false, true]) {
    const bytes = utf16(text, bigEndian);
    assert.deepEqual(read([bytes]).segments, want);
    // One byte at a time: the mark and every code unit (and the surrogate pair) split across pushes.
    assert.deepEqual(read([...bytes].map((b) => Uint8Array.of(b))).segments, want);
  }
  const reader = new LineReader(() => undefined);
  reader.push(utf16('x\n', false));
  assert.equal(reader.detectedEncoding, 'utf-16');
});

test('a one-byte output that only looks like the start of a byte-order mark is still read', () => {
  assert.deepEqual(read([Uint8Array.of(0xfe)]).segments, [{ line: 1, text: '\ufffd' }]);
  assert.deepEqual(read([Uint8Array.of(0xff), 'loss=1\n']).segments, [{ line: 1, text: '\ufffdloss=1' }]);
});
