// Turns training-output bytes (any chunking) into numbered line segments, the way `grep -n` counts lines.

/** One carriage-return segment of a line: tqdm redraws are separate segments of the same line. */
export interface OutputSegment {
  /** 1-based line number (newline-terminated lines, as `grep -n` counts). */
  line: number;
  /** The segment's text: ANSI escapes removed, invalid UTF-8 replaced, at most ~maxSegmentBytes kept. */
  text: string;
}

export interface LineReaderOptions {
  /** Bytes kept per segment (half from its start, half from its end); longer segments are cut in the middle. */
  maxSegmentBytes?: number;
}

const NEWLINE = 10;
const CARRIAGE_RETURN = 13;
// CSI (colors, cursor moves), OSC (titles, links) and two-byte escapes.
const ANSI = /\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-Z\\-_])|[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/g;

export function stripAnsi(text: string): string {
  return text.includes('\x1b') || /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/.test(text) ? text.replace(ANSI, '') : text;
}

/** Streaming reader: push bytes, get segments; memory stays bounded whatever the line length. */
export class LineReader {
  private lineNumber = 1;
  private readonly head: Buffer;
  private headLength = 0;
  private readonly tail: Buffer;
  // Ring buffer of the segment's last bytes once the head is full.
  private tailStart = 0;
  private tailLength = 0;
  private cut = false;
  private readonly headCap: number;
  private readonly tailCap: number;

  constructor(private readonly onSegment: (segment: OutputSegment) => void, options: LineReaderOptions = {}) {
    const max = Math.max(16, options.maxSegmentBytes ?? 64 * 1024);
    this.headCap = Math.ceil(max / 2);
    this.tailCap = Math.floor(max / 2);
    this.head = Buffer.allocUnsafe(this.headCap);
    this.tail = Buffer.allocUnsafe(this.tailCap);
  }

  /** Number of the line the next byte belongs to. */
  get currentLine(): number {
    return this.lineNumber;
  }

  /** Lines seen so far, counting an unterminated last line as `grep -n` does. */
  get lineCount(): number {
    return this.lineNumber - 1 + (this.pending ? 1 : 0);
  }

  private pending = false;

  /** Jump to a line (only between segments): the fast scan path skips bytes it counted itself. */
  skipTo(line: number): void {
    if (this.headLength > 0) throw new Error('LineReader.skipTo is only allowed between segments');
    this.lineNumber = line;
    this.pending = false;
  }

  push(chunk: Uint8Array | string): void {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    let start = 0;
    for (let i = 0; i < bytes.length; i++) {
      const b = bytes[i];
      if (b !== NEWLINE && b !== CARRIAGE_RETURN) continue;
      if (i > start) this.append(bytes, start, i);
      this.pending = this.pending || i > start;
      this.flushSegment();
      if (b === NEWLINE) {
        this.lineNumber++;
        this.pending = false;
      } else {
        this.pending = true;
      }
      start = i + 1;
    }
    if (start < bytes.length) {
      this.append(bytes, start, bytes.length);
      this.pending = true;
    }
  }

  /** The input ended: an unterminated last line still counts. */
  end(): void {
    this.flushSegment();
    if (this.pending) {
      this.lineNumber++;
      this.pending = false;
    }
  }

  private append(bytes: Uint8Array, from: number, to: number): void {
    const intoHead = Math.min(to - from, this.headCap - this.headLength);
    if (intoHead > 0) {
      this.head.set(bytes.subarray(from, from + intoHead), this.headLength);
      this.headLength += intoHead;
      from += intoHead;
    }
    if (from >= to) return;
    this.cut = true;
    // Only the last tailCap bytes can survive.
    if (to - from >= this.tailCap) {
      this.tail.set(bytes.subarray(to - this.tailCap, to), 0);
      this.tailStart = 0;
      this.tailLength = this.tailCap;
      return;
    }
    for (let i = from; i < to; i++) {
      const at = (this.tailStart + this.tailLength) % this.tailCap;
      this.tail[at] = bytes[i];
      if (this.tailLength < this.tailCap) this.tailLength++;
      else this.tailStart = (this.tailStart + 1) % this.tailCap;
    }
  }

  private flushSegment(): void {
    if (this.headLength === 0) return;
    let text = this.head.toString('utf8', 0, this.headLength);
    if (this.cut) {
      const first = this.tail.subarray(this.tailStart, Math.min(this.tailCap, this.tailStart + this.tailLength));
      const rest = this.tail.subarray(0, Math.max(0, this.tailStart + this.tailLength - this.tailCap));
      // A cut segment keeps its start and end, joined by a gap mark, so neither half is misread as the other.
      text += ' \u2026 ' + Buffer.concat([first, rest]).toString('utf8');
    }
    this.headLength = 0;
    this.tailLength = 0;
    this.tailStart = 0;
    this.cut = false;
    text = stripAnsi(text);
    if (text.trim().length > 0) this.onSegment({ line: this.lineNumber, text });
  }
}
