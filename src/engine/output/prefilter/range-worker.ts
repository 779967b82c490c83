// Prefilters a byte range of a file on a worker thread, so a big log's two halves are scanned at once.
// The worker keeps only the hits the candidate filter keeps, so logs that say "nan" on every line
// (Megatron's `number of nan iterations: 0`) do not flood the main thread.
import { Worker } from 'node:worker_threads';
import { createCandidateFilter } from './candidate-filter';
import { createValueFinder, type TokenRules } from '../nonfinite-tokens';
import { nibbleTables, TABLES_BYTES } from './index';
import { prefilterWasm } from './wasm';

export interface RangeScan {
  /** Candidate positions, each with the number of newlines in [from, position). */
  candidates: [position: number, newlines: number][];
  /** Newlines in [from, stoppedAt). */
  newlines: number;
  /** Where the worker stopped: `to`, or just after its last candidate when it reached maxCandidates. */
  stoppedAt: number;
}

export interface RangeFilter {
  needles: string[];
  rules: TokenRules;
  words: string[];
  maxSegment: number;
}

// Plain JavaScript run with `eval: true`, so it needs no file of its own beside the bundle; the value finder
// and the candidate filter are the same functions the main thread uses, passed as their source text.
const source = `
// Loaders that keep function names (tsx, esbuild's keepNames) call __name in the functions' text.
const __name = (f) => f;
const { parentPort, workerData } = require('node:worker_threads');
const fs = require('node:fs');
const { wasm, tables, base, filter, path, from, to, size, chunk, maxCandidates } = workerData;
const find = (${createValueFinder.toString()})(filter.rules);
const keep = (${createCandidateFilter.toString()})((text) => find(text, true).length > 0, filter.words, filter.maxSegment, filter.rules);
const exports = new WebAssembly.Instance(new WebAssembly.Module(Buffer.from(wasm, 'base64')), {}).exports;
const memory = new Uint8Array(exports.memory.buffer);
memory.set(tables, 0);
const candidates = [];
const fd = fs.openSync(path, 'r');
let newlines = 0;
let stoppedAt = to;
let position = from;
scan: while (position < to) {
  const want = Math.min(chunk, size - position);
  let n = 0;
  while (n < want) {
    const got = fs.readSync(fd, memory, base + n, want - n, position + n);
    if (got === 0) break;
    n += got;
  }
  memory.fill(0, base + n, base + n + 64);
  const atEnd = n < chunk;
  const end = Math.min(to - position, atEnd ? n : n - 2);
  exports.newlines.value = 0;
  for (let p = 0; ; ) {
    const k = exports.find(base + p, base + end) - base;
    newlines += exports.newlines.value;
    exports.newlines.value = 0;
    if (k >= end) break;
    const verdict = keep(memory, base + k, base, base + n);
    if (verdict >= 0) {
      candidates.push([position + k, newlines]);
      if (candidates.length >= maxCandidates) {
        stoppedAt = position + k + 1;
        break scan;
      }
      p = k + 1;
    } else {
      // Nothing non-finite here: go on past the hit (candidate-filter.ts: a dropped hit's verdict is -next - 1).
      p = Math.max(k + 1, Math.min(-verdict - 1 - base, end));
    }
  }
  position += end;
  if (atEnd) break;
}
fs.closeSync(fd);
parentPort.postMessage({ candidates, newlines, stoppedAt });
`;

export interface RangeScanJob {
  result: Promise<RangeScan>;
  cancel(): Promise<void>;
}

export function startRangeScan(path: string, from: number, to: number, size: number, chunk: number, maxCandidates: number, filter: RangeFilter): RangeScanJob {
  const workerData = { wasm: prefilterWasm, tables: nibbleTables(filter.needles), base: TABLES_BYTES, filter, path, from, to, size, chunk, maxCandidates };
  const worker = new Worker(source, { eval: true, workerData });
  const result = new Promise<RangeScan>((resolve, reject) => {
    worker.once('message', (m: RangeScan) => resolve(m));
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the prefilter worker stopped (exit ${code})`)));
  });
  result.catch(() => undefined);
  return {
    result,
    cancel: async () => {
      await worker.terminate();
    },
  };
}
