// Tells training output NaN Doctor can read from a stray binary before following it, with the one definition
// every reader uses (../engine/output/training-output.ts).
import { closeSync, openSync, readSync } from 'node:fs';
import { sniffTrainingOutput } from '../engine/output/training-output.ts';

const HEAD_BYTES = 64 * 1024;

/** A reason to skip the file, or null when NaN Doctor can read it (text, UTF-16 with a BOM, a structured format). */
export function binaryReason(abs: string): string | null {
  let fd: number | undefined;
  try {
    fd = openSync(abs, 'r');
    const buf = Buffer.alloc(HEAD_BYTES);
    const n = readSync(fd, buf, 0, buf.length, 0);
    const sniffed = sniffTrainingOutput(abs, buf.subarray(0, n));
    return sniffed.kind === 'unreadable' ? sniffed.reason : null;
  } catch {
    return null; // missing or unreadable now: the follower reports it if that stays so
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
