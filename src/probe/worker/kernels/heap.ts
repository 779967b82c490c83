// Reading and writing tensors in place on the wasm backend's heap.
import type { TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

/** The wasm backend a kernel was called with (kernel functions receive it untyped). */
export function wasmBackend(backend: object): BackendWasm {
  return backend as BackendWasm;
}

/**
 * A live view of a float32 tensor on the heap. Take views only after the last allocation:
 * growing the heap detaches earlier views.
 */
export function floatsOf(backend: BackendWasm, info: TensorInfo): Float32Array {
  if (info.dtype !== 'float32') throw new Error(`expected a float32 tensor, got ${info.dtype}`);
  return backend.typedArrayFromHeap(info) as Float32Array;
}

/** Segment ids and gather indices: int32 on the heap, or float32 holding whole numbers. */
export function indicesOf(backend: BackendWasm, info: TensorInfo): Int32Array | Float32Array {
  if (info.dtype !== 'int32' && info.dtype !== 'float32') throw new Error(`expected int32 indices, got ${info.dtype}`);
  return backend.typedArrayFromHeap(info) as Int32Array | Float32Array;
}

/** Copies float64 sums into a float32 output on the heap. */
export function store(out: Float32Array | Int32Array, sums: Float64Array): void {
  for (let i = 0; i < sums.length; i++) out[i] = sums[i];
}
