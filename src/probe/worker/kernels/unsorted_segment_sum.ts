// UnsortedSegmentSum for wasm (the gradient of gather, so of every embedding), on the heap.
import {
  UnsortedSegmentSum,
  util,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
  type UnsortedSegmentSumAttrs,
} from '@tensorflow/tfjs-core';
import { indicesOf, store, wasmBackend } from './heap';

const unsortedSegmentSum: KernelFunc = ({ inputs, backend: untyped, attrs }) => {
  const backend = wasmBackend(untyped);
  const { x, segmentIds } = inputs as { x: TensorInfo; segmentIds: TensorInfo };
  const { numSegments } = attrs as unknown as UnsortedSegmentSumAttrs;
  if (x.dtype !== 'float32' && x.dtype !== 'int32') throw new Error(`UnsortedSegmentSum on wasm: unsupported dtype ${x.dtype}`);
  const idsRank = segmentIds.shape.length;
  util.assert(
    util.arraysEqual(x.shape.slice(0, idsRank), segmentIds.shape),
    () => `UnsortedSegmentSum: segmentIds shape ${segmentIds.shape} must be a prefix of x shape ${x.shape}`,
  );
  const rowShape = x.shape.slice(idsRank);
  const rowSize = util.sizeFromShape(rowShape);

  const out = backend.makeOutput([numSegments, ...rowShape], x.dtype);
  const values = backend.typedArrayFromHeap(x) as Float32Array | Int32Array;
  const ids = indicesOf(backend, segmentIds);
  const sums = new Float64Array(numSegments * rowSize);
  for (let i = 0; i < ids.length; i++) {
    const segment = ids[i];
    // Ids outside [0, numSegments) are dropped, as TensorFlow drops negative ids.
    if (!(segment >= 0 && segment < numSegments)) continue;
    const from = i * rowSize;
    const to = segment * rowSize;
    for (let j = 0; j < rowSize; j++) sums[to + j] += values[from + j];
  }
  store(backend.typedArrayFromHeap(out) as Float32Array | Int32Array, sums);
  return out;
};

export const unsortedSegmentSumConfig: KernelConfig = {
  kernelName: UnsortedSegmentSum,
  backendName: 'wasm',
  kernelFunc: unsortedSegmentSum,
};
