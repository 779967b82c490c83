import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createPrefilter } from '../../src/engine/output/prefilter/index';
import { needles } from '../../src/engine/output/search-words';

// The reference the WebAssembly kernel must agree with: same needles, same token rule.
const word = (b: number | undefined) => b !== undefined && /[A-Za-z0-9_]/.test(String.fromCharCode(b));
function referenceFind(bytes: Uint8Array, from: number, end: number): { at: number; newlines: number } {
  let newlines = 0;
  for (let i = from; i < end; i++) {
    const three = String.fromCharCode(bytes[i], bytes[i + 1] ?? 0, bytes[i + 2] ?? 0).toLowerCase();
    let hit = needles.slice(2).includes(three);
    if (three === 'nan' || three === 'inf') {
      const after = bytes[i + 3];
      const before = i > 0 ? bytes[i - 1] : undefined;
      hit = !word(before) && (!word(after) || (three === 'inf' && (after | 0x20) === 0x69));
    }
    if (hit) return { at: i, newlines };
    if (bytes[i] === 10) newlines++;
  }
  return { at: end, newlines };
}

test('the prefilter finds the same candidates and counts the same newlines as a byte-by-byte reference', () => {
  const prefilter = createPrefilter();
  const pieces = fc.constantFrom('nan', 'NaN', '-nan', 'inf', 'INFO', 'Infinity', 'inference', 'finance', 'nanoGPT', 'overflow', 'Minimum', 'FloatingPoint', 'Invalid', 'inv', 'INV', '\n', '\r', ' ', 'loss=', 'x', '0.5', '_nan', 'nan_', ...needles);
  fc.assert(
    fc.property(fc.array(pieces, { maxLength: 120 }), fc.nat(40), (parts, skip) => {
      const text = Buffer.from(parts.join(''), 'latin1');
      prefilter.bytes.fill(0, 0, text.length + 64);
      prefilter.bytes.set(text, 0);
      const from = Math.min(skip, text.length);
      prefilter.takeNewlines();
      let position = from;
      for (;;) {
        const expected = referenceFind(text, position, text.length);
        const at = prefilter.find(position, text.length);
        assert.equal(at, expected.at);
        assert.equal(prefilter.takeNewlines(), expected.newlines);
        if (at >= text.length) break;
        position = at + 1;
      }
    }),
    { numRuns: 500 },
  );
});

test('the prefilter counts newlines exactly over long runs without candidates', () => {
  const prefilter = createPrefilter();
  const line = Buffer.from('2024-05-01 12:00:00 - INFO - step 10: loss=0.5 lr=1e-05\n');
  let length = 0;
  while (length + line.length < 1_000_000) {
    prefilter.bytes.set(line, length);
    length += line.length;
  }
  prefilter.bytes.fill(0, length, length + 64);
  prefilter.takeNewlines();
  assert.equal(prefilter.find(0, length), length);
  assert.equal(prefilter.takeNewlines(), length / line.length);
});
