// Loads the WebAssembly byte prefilter: `find` counts newlines and stops at candidate bytes. Its needles
// (../search-words.ts) are written into the module's memory as nibble tables, so they come from the format table.
import { needles as defaultNeedles } from '../search-words';
import { prefilterWasm } from './wasm';

export interface Prefilter {
  /** The prefilter's data memory: the scan reads file chunks straight into it. */
  bytes: Uint8Array;
  /** First candidate position in [from, end), or end; newlines before it are added to `newlines`. */
  find(from: number, end: number): number;
  /** Newlines counted by `find` since the last reset. */
  takeNewlines(): number;
  /** Chunk capacity: bytes that fit before the 64 bytes of padding the kernel may read past the end. */
  capacity: number;
}

// The few WebAssembly API pieces used here (the project's lib settings do not declare them).
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
}
interface PrefilterExports {
  memory: { buffer: ArrayBuffer };
  find: (from: number, end: number) => number;
  newlines: { value: number };
}

const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
let module: object | undefined;

/** Where data starts in the module's memory: the six 16-byte nibble tables come first. */
export const TABLES_BYTES = 128;

/**
 * Byte j of needle b sets bit b in LOj[low nibble] and HIj[high nibble], both cases of a letter alike
 * (Hyperscan's "Teddy"): the six tables, LO0 HI0 LO1 HI1 LO2 HI2, as the kernel loads them.
 */
export function nibbleTables(needles: string[]): Uint8Array {
  if (needles.length > 8) throw new Error(`the prefilter takes at most 8 needles (got ${needles.length})`);
  const tables = new Uint8Array(96);
  needles.forEach((needle, bit) => {
    if (needle.length !== 3) throw new Error(`a prefilter needle is 3 bytes: ${JSON.stringify(needle)}`);
    for (let j = 0; j < 3; j++) {
      const c = needle.charCodeAt(j);
      const cases = /[a-z]/i.test(needle[j]) ? [c | 0x20, c & ~0x20] : [c];
      for (const v of cases) {
        tables[32 * j + (v & 0xf)] |= 1 << bit;
        tables[32 * j + 16 + (v >> 4)] |= 1 << bit;
      }
    }
  });
  return tables;
}

export function createPrefilter(needles: string[] = defaultNeedles): Prefilter {
  module ??= new wasm.Module(Buffer.from(prefilterWasm, 'base64'));
  const exports = new wasm.Instance(module, {}).exports as PrefilterExports;
  const memory = new Uint8Array(exports.memory.buffer);
  memory.set(nibbleTables(needles), 0);
  const bytes = memory.subarray(TABLES_BYTES);
  return {
    bytes,
    capacity: bytes.length - 64,
    find: (from, end) => exports.find(from + TABLES_BYTES, end + TABLES_BYTES) - TABLES_BYTES,
    takeNewlines() {
      const n = exports.newlines.value;
      exports.newlines.value = 0;
      return n;
    },
  };
}
