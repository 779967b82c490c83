// The fast path for big text logs (first version: every line through the analyzer).
import type { FileHandle } from 'node:fs/promises';
import type { RunScan } from '../types';
import { createRunAnalyzer } from './analyzer';

export async function scanTextFast(handle: FileHandle, log: string, signal?: AbortSignal): Promise<RunScan> {
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
