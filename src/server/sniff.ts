// Tells a text log from a binary file before following it, so a stray binary never reaches the text analyzer.
import { closeSync, openSync, readSync } from 'node:fs';

// Binary formats NaN Doctor reads itself (TensorBoard event files).
const binaryFormats = /(^|\/)events\.out\.tfevents\./;

/** A reason to skip the file, or null when it looks like text (or is a known binary format). */
export function binaryReason(abs: string): string | null {
  if (binaryFormats.test(abs.replace(/\\/g, '/'))) return null;
  let fd: number | undefined;
  try {
    fd = openSync(abs, 'r');
    const buf = Buffer.alloc(4096);
    const n = readSync(fd, buf, 0, buf.length, 0);
    let control = 0;
    for (let i = 0; i < n; i++) {
      const b = buf[i];
      if (b === 0) return 'it contains NUL bytes (a binary file, not training output)';
      if (b < 8 || (b > 13 && b < 27) || (b > 27 && b < 32)) control++;
    }
    return n > 0 && control / n > 0.1 ? 'most of it is control bytes (a binary file, not training output)' : null;
  } catch {
    return null; // missing or unreadable now: the follower reports it if that stays so
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
