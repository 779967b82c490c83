// TFRecord framing: uint64 length, masked crc32c(length), data, masked crc32c(data), little-endian.
import { promises as fsp } from 'node:fs';
import { maskedCrc32c } from './crc32c';
import { checkAborted } from './abort';

export interface TfRecord {
  /** 1-based record number in the file. */
  index: number;
  /** Byte offset of the record's header. */
  offset: number;
  data: Uint8Array;
}

const HEADER = 12;
const FOOTER = 4;
const READ = 1 << 20;

/** Reads records in order; a truncated last record (a file still being written) ends quietly. */
export async function* readTfRecords(path: string, signal?: AbortSignal): AsyncGenerator<TfRecord> {
  const file = await fsp.open(path, 'r');
  try {
    const size = (await file.stat()).size;
    let buf = Buffer.alloc(0);
    let bufStart = 0; // file offset of buf[0]
    let offset = 0;
    let index = 0;
    // Makes bytes [offset, offset + n) available in buf; false when the file ends first.
    const ensure = async (n: number): Promise<boolean> => {
      const have = bufStart + buf.length - offset;
      if (have >= n) return true;
      const keep = buf.subarray(offset - bufStart);
      const want = Math.max(n - keep.length, READ);
      const chunk = Buffer.alloc(want);
      const { bytesRead } = await file.read(chunk, 0, want, bufStart + buf.length);
      buf = Buffer.concat([keep, chunk.subarray(0, bytesRead)]);
      bufStart = offset;
      return buf.length >= n;
    };
    for (;;) {
      checkAborted(signal);
      if (!(await ensure(HEADER))) return;
      const at = offset - bufStart;
      const lengthBytes = buf.subarray(at, at + 8);
      if (buf.readUInt32LE(at + 8) !== maskedCrc32c(lengthBytes)) {
        if (offset + HEADER >= size) return; // a header still being written
        throw new Error(`record ${index + 1} at byte ${offset}: length checksum mismatch (not a TFRecord file, or corrupt)`);
      }
      const length = Number(buf.readBigUInt64LE(at));
      if (offset + HEADER + length + FOOTER > size) return; // the last record, still being written
      if (!(await ensure(HEADER + length + FOOTER))) return;
      const start = offset - bufStart + HEADER;
      const data = buf.subarray(start, start + length);
      if (buf.readUInt32LE(start + length) !== maskedCrc32c(data)) {
        if (offset + HEADER + length + FOOTER >= size) return; // the last record, still being flushed
        throw new Error(`record ${index + 1} at byte ${offset}: data checksum mismatch (corrupt record)`);
      }
      index++;
      yield { index, offset, data: Uint8Array.from(data) };
      offset += HEADER + length + FOOTER;
    }
  } finally {
    await file.close();
  }
}
