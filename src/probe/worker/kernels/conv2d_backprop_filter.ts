// Conv2DBackpropFilter for wasm: im2col on the heap, then the wasm backend's own matrix multiply.
import {
  backend_util,
  BatchMatMul,
  Conv2DBackpropFilter,
  getKernel,
  type Conv2DBackpropFilterAttrs,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { floatsOf, store, wasmBackend } from './heap';

/** How many patch values one pass may hold; large batches are split so the heap stays small. */
export const columnBudget = { floats: 1 << 24 };

/** Element strides of a rank-4 image tensor as [batch, row, column, channel]. */
function imageStrides(channelsLast: boolean, height: number, width: number, channels: number): number[] {
  return channelsLast
    ? [height * width * channels, width * channels, channels, 1]
    : [channels * height * width, width, 1, height * width];
}

/**
 * Writes the input patches of images [from, to) as a [patch, rows] matrix: stored transposed
 * because the wasm matrix multiply is about ten times faster without a transpose flag.
 */
function fillColumns(cols: Float32Array, xs: Float32Array, info: backend_util.Conv2DInfo, from: number, to: number): void {
  const { inHeight, inWidth, inChannels, outHeight, outWidth, filterHeight, filterWidth } = info;
  const { strideHeight, strideWidth, dilationHeight, dilationWidth } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  const rows = (to - from) * outHeight * outWidth;
  const [xB, xR, xC, xCh] = imageStrides(info.dataFormat === 'channelsLast', inHeight, inWidth, inChannels);
  for (let kh = 0; kh < filterHeight; kh++) {
    for (let kw = 0; kw < filterWidth; kw++) {
      for (let c = 0; c < inChannels; c++) {
        let at = ((kh * filterWidth + kw) * inChannels + c) * rows;
        for (let b = from; b < to; b++) {
          for (let oh = 0; oh < outHeight; oh++) {
            const ih = oh * strideHeight - top + kh * dilationHeight;
            if (ih < 0 || ih >= inHeight) {
              cols.fill(0, at, at + outWidth);
              at += outWidth;
              continue;
            }
            const base = b * xB + ih * xR + c * xCh;
            for (let ow = 0; ow < outWidth; ow++, at++) {
              const iw = ow * strideWidth - left + kw * dilationWidth;
              cols[at] = iw >= 0 && iw < inWidth ? xs[base + iw * xC] : 0;
            }
          }
        }
      }
    }
  }
}

/** Copies dy of images [from, to) as [rows, outChannels], whatever its data format. */
function fillGradients(g: Float32Array, dys: Float32Array, info: backend_util.Conv2DInfo, from: number, to: number): void {
  const { outHeight, outWidth, outChannels } = info;
  const [yB, yR, yC, yCh] = imageStrides(info.dataFormat === 'channelsLast', outHeight, outWidth, outChannels);
  let i = 0;
  for (let b = from; b < to; b++)
    for (let oh = 0; oh < outHeight; oh++)
      for (let ow = 0; ow < outWidth; ow++)
        for (let c = 0; c < outChannels; c++) g[i++] = dys[b * yB + oh * yR + ow * yC + c * yCh];
}

/** dW for images [from, to) as a [1, patch, outChannels] tensor the caller disposes. */
function partialFilterGradient(backend: BackendWasm, x: TensorInfo, dy: TensorInfo, info: backend_util.Conv2DInfo, from: number, to: number): TensorInfo {
  const rows = (to - from) * info.outHeight * info.outWidth;
  const patch = info.filterHeight * info.filterWidth * info.inChannels;
  // NHWC dy of the whole batch is already the [rows, outChannels] matrix.
  const direct = info.dataFormat === 'channelsLast' && from === 0 && to === info.batchSize;
  // Allocate first: every allocation may move the heap and detach earlier views.
  const columns = backend.makeOutput([1, patch, rows], 'float32');
  const gradients = direct ? { dataId: dy.dataId, shape: [1, rows, info.outChannels], dtype: dy.dtype } : backend.makeOutput([1, rows, info.outChannels], 'float32');
  fillColumns(floatsOf(backend, columns), floatsOf(backend, x), info, from, to);
  if (!direct) fillGradients(floatsOf(backend, gradients), floatsOf(backend, dy), info, from, to);
  const matMul = getKernel(BatchMatMul, 'wasm');
  if (!matMul) throw new Error('the wasm backend has no BatchMatMul kernel');
  const product = matMul.kernelFunc({ inputs: { a: columns, b: gradients }, backend, attrs: { transposeA: false, transposeB: false } }) as TensorInfo;
  backend.disposeData(columns.dataId);
  if (!direct) backend.disposeData(gradients.dataId);
  return product;
}

const conv2dBackpropFilter: KernelFunc = ({ inputs, backend: untyped, attrs }) => {
  const backend = wasmBackend(untyped);
  const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs as unknown as Conv2DBackpropFilterAttrs;
  const info = backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filterShape,
    strides,
    1,
    pad,
    dimRoundingMode,
    false,
    backend_util.convertConv2DDataFormat(dataFormat),
  );
  const perImage = info.outHeight * info.outWidth * info.filterHeight * info.filterWidth * info.inChannels;
  const imagesPerPass = Math.max(1, Math.floor(columnBudget.floats / Math.max(1, perImage)));
  if (imagesPerPass >= info.batchSize) {
    const product = partialFilterGradient(backend, x, dy, info, 0, info.batchSize);
    // [1, patch, outChannels] is already the filter's [height, width, in, out] layout.
    return { dataId: product.dataId, shape: [...filterShape], dtype: 'float32' };
  }
  const sums = new Float64Array(filterShape.reduce((a, b) => a * b, 1));
  for (let from = 0; from < info.batchSize; from += imagesPerPass) {
    const product = partialFilterGradient(backend, x, dy, info, from, Math.min(info.batchSize, from + imagesPerPass));
    const part = floatsOf(backend, product);
    for (let i = 0; i < sums.length; i++) sums[i] += part[i];
    backend.disposeData(product.dataId);
  }
  const out = backend.makeOutput([...filterShape], 'float32');
  store(floatsOf(backend, out), sums);
  return out;
};

export const conv2dBackpropFilterConfig: KernelConfig = {
  kernelName: Conv2DBackpropFilter,
  backendName: 'wasm',
  kernelFunc: conv2dBackpropFilter,
};
