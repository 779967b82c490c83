import type { TrainingEvent } from '../../types';

/** A training-output file that is not text lines: read whole, events out in file order. */
export interface StructuredFormat {
  /** The format's name, reported in `RunScan.formats`. */
  name: string;
  /** Whether this reader owns the file, from its path and its first bytes. */
  matches(path: string, head: Uint8Array): boolean;
  /** Reads the file's events; a truncated tail (a live file) ends the stream quietly. */
  read(path: string, signal?: AbortSignal): AsyncIterable<TrainingEvent>;
}
