// Property test over the whole real-world corpus: however the bytes arrive (random chunks), however the log
// is re-encoded (CRLF, UTF-16 with a byte-order mark), the incident of an untruncated log is the same; a log
// cut at any byte never crashes the reader.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { createRunAnalyzer } from '../../src/engine/output/analyzer';
import { scanFile } from '../../src/engine/output/scan';
import type { Incident } from '../../src/engine/types';
import { loadLogCases } from '../corpus/cases';

const cases = loadLogCases().map((c) => ({ id: c.id, bytes: readFileSync(join(c.dir, c.log)) }));

function analyze(chunks: Uint8Array[]): Incident | null {
  const a = createRunAnalyzer('train.log');
  for (const c of chunks) a.feed(c);
  a.end();
  return a.result().incident;
}

function chunked(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const at = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let from = 0;
  for (const c of at) {
    out.push(bytes.subarray(from, c));
    from = c;
  }
  out.push(bytes.subarray(from));
  return out;
}

const reference = new Map(cases.map((c) => [c.id, analyze([c.bytes])]));

test('any chunking of every corpus log gives the incident of the whole log', () => {
  fc.assert(
    fc.property(fc.constantFrom(...cases), fc.array(fc.nat(), { maxLength: 40 }), (c, cuts) => {
      assert.deepEqual(analyze(chunked(c.bytes, cuts)), reference.get(c.id), c.id);
    }),
    { numRuns: 600, seed: 8 },
  );
});

test('a corpus log cut at any byte never crashes the reader', () => {
  fc.assert(
    fc.property(fc.constantFrom(...cases), fc.nat(), fc.array(fc.nat(), { maxLength: 8 }), (c, cut, cuts) => {
      const truncated = c.bytes.subarray(0, cut % (c.bytes.length + 1));
      analyze(chunked(truncated, cuts));
    }),
    { numRuns: 600, seed: 9 },
  );
});

test('CRLF line ends give every corpus log the same incident', () => {
  for (const c of cases) {
    const crlf = Buffer.from(c.bytes.toString('latin1').replace(/\r?\n/g, '\r\n'), 'latin1');
    assert.deepEqual(analyze([crlf]), reference.get(c.id), c.id);
  }
});

test('UTF-16 with a byte-order mark (PowerShell 5.1 redirection) gives every corpus log the same incident, read from a file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'nd-utf16-'));
  try {
    for (const c of cases) {
      const path = join(dir, `${c.id}.log`);
      writeFileSync(path, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(c.bytes.toString('utf8'), 'utf16le')]));
      const run = await scanFile(path, { displayName: 'train.log' });
      assert.deepEqual(run.incident, analyze([Buffer.from(c.bytes.toString('utf8'), 'utf8')]), c.id);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
