// Turns training-output bytes (any chunking) into numbered line segments, the way `grep -n` counts lines.
import { TextDecoder } from 'node:util';

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

  // UTF-16 output (Windows PowerShell 5.1 `>` writes UTF-16LE with a BOM) is decoded to UTF-8 first.
  private encoding: 'unknown' | 'utf8' | 'utf-16' = 'unknown';
  private decoder: TextDecoder | null = null;
  private sniffed: Uint8Array | null = null;

  /** Reads the byte-order mark from the first two bytes; returns the bytes to go on with (none while undecided). */
  private sniff(bytes: Uint8Array): Uint8Array {
    const all = this.sniffed ? Buffer.concat([this.sniffed, bytes]) : bytes;
    this.sniffed = null;
    if (all.length < 2 && (all.length === 0 || all[0] === 0xff || all[0] === 0xfe)) {
      this.sniffed = all;
      return new Uint8Array(0);
    }
    const bom = all.length >= 2 ? (all[0] << 8) | all[1] : -1;
    if (bom === 0xfffe || bom === 0xfeff) {
      this.encoding = 'utf-16';
      this.decoder = new TextDecoder(bom === 0xfffe ? 'utf-16le' : 'utf-16be');
    } else {
      this.encoding = 'utf8';
    }
    return all;
  }

  /** The encoding read from the output's first bytes: `utf-16` when it starts with a UTF-16 byte-order mark. */
  get detectedEncoding(): 'unknown' | 'utf8' | 'utf-16' {
    return this.encoding;
  }

  push(chunk: Uint8Array | string): void {
    let bytes: Uint8Array;
    if (typeof chunk === 'string') {
      // Text already decoded (a terminal's output): no byte-order mark to read.
      if (this.encoding === 'unknown') {
        this.encoding = 'utf8';
        if (this.sniffed) this.scan(this.sniffed);
        this.sniffed = null;
      }
      bytes = Buffer.from(chunk, 'utf8');
    } else {
      bytes = this.encoding === 'unknown' ? this.sniff(chunk) : chunk;
    }
    if (this.decoder) bytes = Buffer.from(this.decoder.decode(bytes, { stream: true }), 'utf8');
    this.scan(bytes);
  }

  private scan(bytes: Uint8Array): void {
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
    if (this.sniffed) {
      const held = this.sniffed;
      this.sniffed = null;
      this.encoding = 'utf8';
      this.scan(held);
    }
    if (this.decoder) this.scan(Buffer.from(this.decoder.decode(), 'utf8'));
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
