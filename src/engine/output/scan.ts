// Scans one training-output file for its first non-finite value: structured readers first, else text.
import { open, stat, type FileHandle } from 'node:fs/promises';
import type { RunScan, TrainingEvent } from '../types';
import { createRunAnalyzer } from './analyzer';
import { IncidentTracker } from './incident';
import { findStructuredFormat } from './structured/index';
import { scanTextFast } from './fast-scan';
import { looksBinary, sniffTrainingOutput } from './training-output';

export { hasUtf16Bom, looksBinary } from './training-output';

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
    const sniffed = sniffTrainingOutput(path, head);
    if (sniffed.kind === 'structured') {
      const structured = findStructuredFormat(path, head)!;
      try {
        return await scanStructured(log, structured.name, structured.read(path, opts.signal));
      } catch (e) {
        // a text file of metrics that does not parse (a trainer_state.json pasted without its opening brace, a cut
        // copy): its lines are still training output, read as text rather than lost. (A notebook's text is code too.)
        if ((e as Error)?.name === 'AbortError' || looksBinary(head) || structured.name === 'ipynb') throw e;
        return await scanTextThorough(handle, log, opts.signal);
      }
    }
    if (sniffed.kind === 'unreadable') throw new ScanError(log, sniffed.reason);
    // The prefilter reads UTF-8 bytes: UTF-16 goes through the full analyzer, whose line reader decodes it.
    if (sniffed.kind === 'utf-16' || opts.thorough) return await scanTextThorough(handle, log, opts.signal);
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
