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
import { floatsOf, wasmBackend } from './heap';

/** Element strides of a rank-4 image tensor as [batch, row, column, channel]. */
function imageStrides(channelsLast: boolean, height: number, width: number, channels: number): number[] {
  return channelsLast
    ? [height * width * channels, width * channels, channels, 1]
    : [channels * height * width, width, 1, height * width];
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
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels } = info;
  const { filterHeight, filterWidth, strideHeight, strideWidth, dilationHeight, dilationWidth } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  const channelsLast = info.dataFormat === 'channelsLast';
  const rows = batchSize * outHeight * outWidth;
  const patch = filterHeight * filterWidth * inChannels;

  // Allocate first: every allocation may move the heap and detach earlier views.
  // The patches are stored transposed ([patch, rows]) because the wasm matrix multiply is about
  // ten times faster without a transpose flag.
  const columns = backend.makeOutput([1, patch, rows], 'float32');
  const gradients = channelsLast ? { dataId: dy.dataId, shape: [1, rows, outChannels], dtype: dy.dtype } : backend.makeOutput([1, rows, outChannels], 'float32');
  const cols = floatsOf(backend, columns);
  const xs = floatsOf(backend, x);
  const [xB, xR, xC, xCh] = imageStrides(channelsLast, inHeight, inWidth, inChannels);

  for (let kh = 0; kh < filterHeight; kh++) {
    for (let kw = 0; kw < filterWidth; kw++) {
      for (let c = 0; c < inChannels; c++) {
        let at = ((kh * filterWidth + kw) * inChannels + c) * rows;
        for (let b = 0; b < batchSize; b++) {
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
  if (!channelsLast) {
    // The matrix multiply wants dy as rows of output pixels; NCHW keeps channels apart.
    const dys = floatsOf(backend, dy);
    const g = floatsOf(backend, gradients);
    const [yB, yR, yC, yCh] = imageStrides(false, outHeight, outWidth, outChannels);
    let i = 0;
    for (let b = 0; b < batchSize; b++)
      for (let oh = 0; oh < outHeight; oh++)
        for (let ow = 0; ow < outWidth; ow++)
          for (let c = 0; c < outChannels; c++) g[i++] = dys[b * yB + oh * yR + ow * yC + c * yCh];
  }

  const matMul = getKernel(BatchMatMul, 'wasm');
  if (!matMul) throw new Error('the wasm backend has no BatchMatMul kernel');
  const product = matMul.kernelFunc({
    inputs: { a: columns, b: gradients },
    backend,
    attrs: { transposeA: false, transposeB: false },
  }) as TensorInfo;
  backend.disposeData(columns.dataId);
  if (!channelsLast) backend.disposeData(gradients.dataId);
  // [1, patch, outChannels] is already the filter's [height, width, in, out] layout.
  return { dataId: product.dataId, shape: [...filterShape], dtype: 'float32' };
};

export const conv2dBackpropFilterConfig: KernelConfig = {
  kernelName: Conv2DBackpropFilter,
  backendName: 'wasm',
  kernelFunc: conv2dBackpropFilter,
};
