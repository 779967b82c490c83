// Scans one training-output file for its first non-finite value: structured readers first, else text.
import { open, stat, type FileHandle } from 'node:fs/promises';
import type { RunScan, TrainingEvent } from '../types';
import { createRunAnalyzer } from './analyzer';
import { IncidentTracker } from './incident';
import { findStructuredFormat } from './structured/index';
import { scanTextFast } from './fast-scan';

/** A file that could not be scanned, with the reason in the user's words. */
export class ScanError extends Error {
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super(`${file}: ${reason}`);
    this.name = 'ScanError';
  }
}

export interface ScanOptions {
  /** How the log is named in the result (default: the path as given). */
  displayName?: string;
  signal?: AbortSignal;
  /** Read every line through the full analyzer instead of the prefiltered fast path. */
  thorough?: boolean;
}

const HEAD_BYTES = 64 * 1024;

function describe(e: unknown): string {
  const code = (e as NodeJS.ErrnoException)?.code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'is a directory, not a log file';
  return e instanceof Error ? e.message : String(e);
}

/** Binary data, not text: NUL bytes, or mostly bytes no text encoding would produce. */
export function looksBinary(head: Uint8Array): boolean {
  if (head.length === 0) return false;
  let control = 0;
  for (const b of head) {
    if (b === 0) return true;
    // Backspace (8) is text: Keras' progress bar writes one per character it redraws, even into a file.
    if (b < 8 || (b > 13 && b < 27) || (b > 27 && b < 32)) control++;
  }
  return control / head.length > 0.1;
}

/** Starts with a UTF-16 byte-order mark (Windows PowerShell 5.1 `>` writes UTF-16LE with one). */
export function hasUtf16Bom(head: Uint8Array): boolean {
  return head.length >= 2 && ((head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff));
}

/** UTF-16 text without a byte-order mark: every other byte is NUL in text that is mostly ASCII. */
function looksLikeBomlessUtf16(head: Uint8Array): boolean {
  const n = head.length - (head.length % 2);
  if (n < 8) return false;
  let evenNul = 0;
  let oddNul = 0;
  for (let i = 0; i < n; i += 2) {
    if (head[i] === 0) evenNul++;
    if (head[i + 1] === 0) oddNul++;
  }
  const pairs = n / 2;
  return Math.max(evenNul, oddNul) / pairs > 0.8 && Math.min(evenNul, oddNul) / pairs < 0.05;
}

async function readHead(handle: FileHandle): Promise<Uint8Array> {
  const buffer = Buffer.alloc(HEAD_BYTES);
  const { bytesRead } = await handle.read(buffer, 0, HEAD_BYTES, 0);
  return buffer.subarray(0, bytesRead);
}

export async function scanFile(path: string, opts: ScanOptions = {}): Promise<RunScan> {
  const log = opts.displayName ?? path;
  let handle: FileHandle;
  try {
    const info = await stat(path);
    if (info.isDirectory()) throw new ScanError(log, 'is a directory, not a log file');
    handle = await open(path, 'r');
  } catch (e) {
    if (e instanceof ScanError) throw e;
    throw new ScanError(log, describe(e));
  }
  try {
    const head = await readHead(handle);
    const structured = findStructuredFormat(path, head);
    if (structured) return await scanStructured(log, structured.name, structured.read(path, opts.signal));
    // The prefilter reads UTF-8 bytes: UTF-16 goes through the full analyzer, whose line reader decodes it.
    if (hasUtf16Bom(head)) return await scanTextThorough(handle, log, opts.signal);
    if (looksLikeBomlessUtf16(head)) throw new ScanError(log, 'UTF-16 text without a byte-order mark: convert the log to UTF-8');
    if (looksBinary(head)) throw new ScanError(log, 'binary data, not a text training log');
    if (opts.thorough) return await scanTextThorough(handle, log, opts.signal);
    return await scanTextFast(handle, log, opts.signal, undefined, path);
  } catch (e) {
    if (e instanceof ScanError || (e as Error)?.name === 'AbortError') throw e;
    throw new ScanError(log, describe(e));
  } finally {
    await handle.close();
  }
}

async function scanStructured(log: string, name: string, events: AsyncIterable<TrainingEvent>): Promise<RunScan> {
  const tracker = new IncidentTracker();
  for await (const e of events) tracker.add(e.format ? e : { ...e, format: name });
  return tracker.runScan(log, name);
}

/** Every line through the analyzer: the reference the fast path must agree with. */
async function scanTextThorough(handle: FileHandle, log: string, signal?: AbortSignal): Promise<RunScan> {
  const analyzer = createRunAnalyzer(log);
  const buffer = Buffer.allocUnsafe(1 << 20);
  let position = 0;
  for (;;) {
    if (signal?.aborted) throw signal.reason instanceof Error ? signal.reason : new Error('aborted');
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
    if (bytesRead === 0) break;
    analyzer.feed(buffer.subarray(0, bytesRead));
    position += bytesRead;
  }
  analyzer.end();
  return analyzer.result();
}
