// The fast path for big text logs: a WebAssembly prefilter counts newlines and finds the few places that
// could be non-finite; the candidate filter keeps the segments that hold a non-finite value or an incident
// word, and only those (with a window of lines before them), the head and the tail go through the full
// analyzer, from the chunk already in memory. Results match the full analyzer whenever the events before an
// incident lie within the window.
import type { FileHandle } from 'node:fs/promises';
import type { RunScan } from '../types';
import { createRunAnalyzer, type SkippingRunAnalyzer } from './analyzer';
import { createCandidateFilter, nextAfterDropped, type CandidateFilter } from './prefilter/candidate-filter';
import { createPrefilter } from './prefilter/index';
import { startRangeScan, type RangeFilter, type RangeScan } from './prefilter/range-worker';
import { hasNonFiniteValue, tokenRules } from './nonfinite-tokens';
import { incidentWords, needles } from './search-words';

export interface FastScanTuning {
  /** Bytes at the start read in full (formats, the command line, the first step). */
  headBytes: number;
  /** Bytes before each candidate replayed through the analyzer (the events just before it). */
  windowBytes: number;
  /** Bytes at the end read in full (the last step). */
  tailBytes: number;
  /** Bytes per read into the prefilter. */
  chunkBytes: number;
  /** How far back a candidate's segment start is looked for. */
  maxSegmentBytes: number;
  /** Chunks read ahead while one is scanned. */
  readsAhead: number;
  /** Files at least this big have their second half prefiltered on a worker thread at the same time. */
  parallelMinBytes: number;
  /** A worker reports at most this many candidates; the rest of its range is scanned here. */
  workerCandidates: number;
}

export const defaultTuning: FastScanTuning = {
  headBytes: 64 * 1024,
  windowBytes: 32 * 1024,
  tailBytes: 32 * 1024,
  chunkBytes: 4 * 1024 * 1024,
  maxSegmentBytes: 1024 * 1024,
  readsAhead: 2,
  parallelMinBytes: 64 * 1024 * 1024,
  workerCandidates: 10_000,
};

const NEWLINE = 10;
const CARRIAGE_RETURN = 13;

function countNewlines(bytes: Uint8Array, from = 0, to = bytes.length): number {
  let n = 0;
  for (let i = from; i < to; i++) if (bytes[i] === NEWLINE) n++;
  return n;
}

function aborted(signal?: AbortSignal): void {
  if (!signal?.aborted) return;
  throw signal.reason instanceof Error ? signal.reason : Object.assign(new Error('the scan was aborted'), { name: 'AbortError' });
}

async function readAt(handle: FileHandle, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.allocUnsafe(Math.max(0, length));
  let got = 0;
  while (got < length) {
    const { bytesRead } = await handle.read(buffer, got, length - got, position + got);
    if (bytesRead === 0) break;
    got += bytesRead;
  }
  return buffer.subarray(0, got);
}

/** A chunk of the file already in memory: `bytes` holds the file's bytes from `position` on. */
interface InMemory {
  bytes: Uint8Array;
  position: number;
}

const filterSettings = (maxSegment: number): RangeFilter => ({ needles, rules: tokenRules, words: incidentWords, maxSegment });

class FastScan {
  private readonly analyzer: SkippingRunAnalyzer;
  private readonly keep: CandidateFilter;
  /** Everything before this offset has been fed to the analyzer or deliberately skipped. */
  private fedUpTo = 0;

  constructor(
    private readonly handle: FileHandle,
    log: string,
    private readonly size: number,
    private readonly tuning: FastScanTuning,
    private readonly signal?: AbortSignal,
    private readonly path?: string,
  ) {
    this.analyzer = createRunAnalyzer(log);
    this.keep = createCandidateFilter(hasNonFiniteValue, incidentWords, tuning.maxSegmentBytes, tokenRules);
  }

  async run(): Promise<RunScan> {
    // The worker starts first: its start-up overlaps the head, which it does not need.
    const middle = Math.floor(this.size / 2);
    const worker =
      this.path && this.size >= this.tuning.parallelMinBytes && middle > this.tuning.headBytes
        ? startRangeScan(this.path, middle, this.size, this.size, this.tuning.chunkBytes, this.tuning.workerCandidates, filterSettings(this.tuning.maxSegmentBytes))
        : null;
    try {
      let line = await this.readHead();
      // After an incident only the last step is still wanted: that is in the tail.
      if (this.fedUpTo < this.size && !this.analyzer.incident()) line = worker ? await this.scanHalves(line, middle, worker.result) : await this.scanMiddle(line, this.fedUpTo, this.size);
      await this.readTail(line);
    } finally {
      await worker?.cancel();
    }
    this.analyzer.end();
    return this.analyzer.result();
  }

  /** Feeds the head in full; returns the line number at its end. */
  private async readHead(): Promise<number> {
    const head = await readAt(this.handle, 0, Math.min(this.size, this.tuning.headBytes));
    // A tqdm bar redraws with carriage returns only: its line can be far longer than the head, so a
    // carriage return ends the head as well as a newline (the run's first steps are on that line).
    const end = head.length >= this.size ? head.length : lastTerminator(head) + 1;
    this.analyzer.feed(head.subarray(0, end));
    this.fedUpTo = end;
    return 1 + countNewlines(head, 0, end);
  }

  /** Prefilters the middle of the file; returns the line number where it stopped (at the end, or after an incident). */
  private async scanMiddle(line: number, from: number, to: number): Promise<number> {
    const prefilter = createPrefilter();
    const count = Math.max(1, this.tuning.readsAhead) + 1;
    const chunk = Math.min(this.tuning.chunkBytes, Math.floor(prefilter.capacity / count) - 64);
    // Chunks are read ahead (on libuv's threads) while the current one is scanned.
    const regions = Array.from({ length: count }, (_, i) => i * (chunk + 64));
    const readInto = async (region: number, position: number): Promise<number> => {
      let n = 0;
      while (n < chunk) {
        const { bytesRead } = await this.handle.read(prefilter.bytes, region + n, chunk - n, position + n);
        if (bytesRead === 0) break;
        n += bytesRead;
      }
      return n;
    };
    // A needle is 3 bytes: the last 2 of a chunk are scanned again at the start of the next.
    const step = chunk - 2;
    let position = from;
    const pending: Promise<number>[] = [];
    let next = position;
    for (let i = 0; i < count - 1 && next < to; i++, next += step) pending.push(readInto(regions[i], next));
    let index = 0;
    try {
      while (pending.length > 0) {
        aborted(this.signal);
        const n: number = await pending.shift()!;
        const base = regions[index];
        const atEnd: boolean = n < chunk || position + n >= this.size;
        prefilter.bytes.fill(0, base + n, base + n + 64);
        const end: number = Math.min(atEnd ? n : step, to - position);
        const last = atEnd || position + end >= to;
        if (!last && next < to) {
          pending.push(readInto(regions[(index + count - 1) % count], next));
          next += step;
        }
        prefilter.takeNewlines();
        const chunkBytes = prefilter.bytes.subarray(base, base + n);
        for (let from = 0; ; ) {
          const found = prefilter.find(base + from, base + end) - base;
          line += prefilter.takeNewlines();
          if (found >= end) break;
          const at = position + found;
          from = found + 1;
          if (at < this.fedUpTo) continue;
          const verdict = this.keep(chunkBytes, found, 0, n);
          // Nothing non-finite here: go on past the hit.
          if (verdict < 0) {
            from = Math.max(from, Math.min(nextAfterDropped(verdict), end));
            continue;
          }
          await this.replay(at, line, { bytes: chunkBytes, position });
          if (this.analyzer.incident()) return line;
        }
        position += end;
        index = (index + 1) % count;
        if (last) break;
      }
    } finally {
      // Never leave a read running into a handle the caller is about to close.
      await Promise.all(pending.map((p) => p.catch(() => 0)));
    }
    return line;
  }

  /** Prefilters the two halves at once (a worker takes the second); candidates are still replayed in order. */
  private async scanHalves(line: number, middle: number, second: Promise<RangeScan>): Promise<number> {
    line = await this.scanMiddle(line, this.fedUpTo, middle);
    if (this.analyzer.incident()) return line;
    const found = await second;
    for (const [at, newlines] of found.candidates) {
      if (at >= this.fedUpTo) await this.replay(at, line + newlines);
      if (this.analyzer.incident()) return line + newlines;
    }
    line += found.newlines;
    return found.stoppedAt < this.size ? await this.scanMiddle(line, found.stoppedAt, this.size) : line;
  }

  /** Bytes [from, to) of the file: from the chunk in memory when it holds them, else read. */
  private bytesAt(from: number, to: number, chunk?: InMemory): Uint8Array | Promise<Uint8Array> {
    if (chunk && from >= chunk.position && to <= chunk.position + chunk.bytes.length) return chunk.bytes.subarray(from - chunk.position, to - chunk.position);
    return readAt(this.handle, from, to - from);
  }

  /** Feeds the window before a candidate and the candidate's segment through the analyzer. */
  private async replay(at: number, line: number, chunk?: InMemory): Promise<void> {
    let start = this.fedUpTo;
    let before: Uint8Array;
    if (at - this.fedUpTo <= this.tuning.windowBytes) {
      before = await this.bytesAt(start, at, chunk);
    } else {
      // Start the window on a segment boundary, or at the candidate's own segment if that is longer.
      start = at - this.tuning.windowBytes;
      before = await this.bytesAt(start, at, chunk);
      let cut = firstTerminator(before);
      if (cut < 0) {
        start = Math.max(this.fedUpTo, at - this.tuning.maxSegmentBytes);
        before = await readAt(this.handle, start, at - start);
        cut = start === this.fedUpTo ? -1 : lastTerminator(before);
      }
      if (cut >= 0) {
        before = before.subarray(cut + 1);
        start += cut + 1;
      }
      this.analyzer.skipTo(line - countNewlines(before));
    }
    this.analyzer.feed(before);
    // The candidate's segment, through its terminator: usually still in the chunk.
    if (chunk) {
      const end = firstTerminator(chunk.bytes, at - chunk.position);
      if (end >= 0) {
        this.analyzer.feed(chunk.bytes.subarray(at - chunk.position, end + 1));
        this.fedUpTo = chunk.position + end + 1;
        return;
      }
    }
    let position = at;
    for (;;) {
      const piece = await readAt(this.handle, position, 64 * 1024);
      const cut = firstTerminator(piece);
      if (cut >= 0) {
        this.analyzer.feed(piece.subarray(0, cut + 1));
        this.fedUpTo = position + cut + 1;
        return;
      }
      this.analyzer.feed(piece);
      position += piece.length;
      if (piece.length === 0 || position - at >= this.tuning.maxSegmentBytes) {
        this.fedUpTo = position;
        return;
      }
    }
  }

  /** Feeds the end of the file in full, for the last step. */
  private async readTail(line: number): Promise<void> {
    if (this.fedUpTo >= this.size) return;
    let start = Math.max(this.fedUpTo, this.size - this.tuning.tailBytes);
    let tail = await readAt(this.handle, start, this.size - start);
    if (start > this.fedUpTo) {
      // The last steps may be carriage-return redraws of one long line: start at a segment boundary.
      const cut = firstTerminator(tail);
      if (cut < 0) return;
      tail = tail.subarray(cut + 1);
      start += cut + 1;
      // Without an incident every newline was counted, so the tail's line number is exact.
      this.analyzer.skipTo(this.analyzer.incident() ? line : line - countNewlines(tail));
    }
    this.analyzer.feed(tail);
    this.fedUpTo = this.size;
  }
}

function firstTerminator(bytes: Uint8Array, from = 0): number {
  for (let i = from; i < bytes.length; i++) if (bytes[i] === NEWLINE || bytes[i] === CARRIAGE_RETURN) return i;
  return -1;
}

function lastTerminator(bytes: Uint8Array): number {
  for (let i = bytes.length - 1; i >= 0; i--) if (bytes[i] === NEWLINE || bytes[i] === CARRIAGE_RETURN) return i;
  return -1;
}

/** `path` (the same file as `handle`) lets a worker thread read the second half of a big file. */
export async function scanTextFast(handle: FileHandle, log: string, signal?: AbortSignal, tuning: FastScanTuning = defaultTuning, path?: string): Promise<RunScan> {
  const { size } = await handle.stat();
  return new FastScan(handle, log, size, tuning, signal, path).run();
}
