// Prefilters a byte range of a file on a worker thread, so a big log's two halves are scanned at once.
import { Worker } from 'node:worker_threads';
import { prefilterWasm } from './wasm';

export interface RangeScan {
  /** Candidate positions, each with the number of newlines in [from, position). */
  candidates: [position: number, newlines: number][];
  /** Newlines in [from, stoppedAt). */
  newlines: number;
  /** Where the worker stopped: `to`, or just after its last candidate when it reached maxCandidates. */
  stoppedAt: number;
}

// Plain JavaScript run with `eval: true`, so it needs no file of its own beside the bundle.
const source = `
const { parentPort, workerData } = require('node:worker_threads');
const fs = require('node:fs');
const { wasm, path, from, to, size, chunk, maxCandidates } = workerData;
const exports = new WebAssembly.Instance(new WebAssembly.Module(Buffer.from(wasm, 'base64')), {}).exports;
const bytes = new Uint8Array(exports.memory.buffer);
const fd = fs.openSync(path, 'r');
const candidates = [];
let newlines = 0;
let stoppedAt = to;
let position = from;
scan: while (position < to) {
  const want = Math.min(chunk, size - position);
  let n = 0;
  while (n < want) {
    const got = fs.readSync(fd, bytes, n, want - n, position + n);
    if (got === 0) break;
    n += got;
  }
  bytes.fill(0, n, n + 64);
  const atEnd = n < chunk;
  const end = Math.min(to - position, atEnd ? n : n - 2);
  exports.newlines.value = 0;
  for (let p = 0; ; ) {
    const k = exports.find(p, end);
    newlines += exports.newlines.value;
    exports.newlines.value = 0;
    if (k >= end) break;
    candidates.push([position + k, newlines]);
    if (candidates.length >= maxCandidates) {
      stoppedAt = position + k + 1;
      break scan;
    }
    p = k + 1;
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

export function startRangeScan(path: string, from: number, to: number, size: number, chunk: number, maxCandidates: number): RangeScanJob {
  const worker = new Worker(source, { eval: true, workerData: { wasm: prefilterWasm, path, from, to, size, chunk, maxCandidates } });
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
