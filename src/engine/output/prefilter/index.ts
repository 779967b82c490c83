// Loads the WebAssembly byte prefilter once: `find` counts newlines and stops at candidate bytes.
import { prefilterWasm } from './wasm';

export interface Prefilter {
  /** The prefilter's memory: the scan reads file chunks straight into it. */
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

export function createPrefilter(): Prefilter {
  module ??= new wasm.Module(Buffer.from(prefilterWasm, 'base64'));
  const exports = new wasm.Instance(module, {}).exports as PrefilterExports;
  const bytes = new Uint8Array(exports.memory.buffer);
  return {
    bytes,
    capacity: bytes.length - 64,
    find: exports.find,
    takeNewlines() {
      const n = exports.newlines.value;
      exports.newlines.value = 0;
      return n;
    },
  };
}
