// DepthwiseConv2dNativeBackpropFilter for wasm, computed in place on the heap (NHWC, as tfjs defines it).
import {
  DepthwiseConv2dNativeBackpropFilter,
  type DepthwiseConv2dNativeBackpropFilterAttrs,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import { floatsOf, store, wasmBackend } from './heap';
import { depthwiseGeometry } from './depthwise_geometry';

const depthwiseBackpropFilter: KernelFunc = ({ inputs, backend: untyped, attrs }) => {
  const backend = wasmBackend(untyped);
  const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
  const { strides, dilations, pad, dimRoundingMode, filterShape } = attrs as unknown as DepthwiseConv2dNativeBackpropFilterAttrs;
  const info = depthwiseGeometry(x.shape as [number, number, number, number], filterShape, { strides, dilations, pad, dimRoundingMode });
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels, multiplier, top, left } = info;
  const { filterHeight, filterWidth, strideHeight, strideWidth, dilationHeight, dilationWidth } = info;

  const out = backend.makeOutput([...filterShape], 'float32');
  const xs = floatsOf(backend, x);
  const dys = floatsOf(backend, dy);
  // Sums run in float64, as the CPU backend's do, so long reductions agree.
  const sums = new Float64Array(filterHeight * filterWidth * outChannels);

  for (let b = 0; b < batchSize; b++) {
    for (let oh = 0; oh < outHeight; oh++) {
      for (let ow = 0; ow < outWidth; ow++) {
        const dyAt = ((b * outHeight + oh) * outWidth + ow) * outChannels;
        for (let kh = 0; kh < filterHeight; kh++) {
          const ih = oh * strideHeight - top + kh * dilationHeight;
          if (ih < 0 || ih >= inHeight) continue;
          for (let kw = 0; kw < filterWidth; kw++) {
            const iw = ow * strideWidth - left + kw * dilationWidth;
            if (iw < 0 || iw >= inWidth) continue;
            const xAt = ((b * inHeight + ih) * inWidth + iw) * inChannels;
            const wAt = (kh * filterWidth + kw) * outChannels;
            if (multiplier === 1) {
              for (let c = 0; c < outChannels; c++) sums[wAt + c] += xs[xAt + c] * dys[dyAt + c];
              continue;
            }
            for (let c = 0, j = 0; c < inChannels; c++) {
              const xv = xs[xAt + c];
              for (let m = 0; m < multiplier; m++, j++) sums[wAt + j] += xv * dys[dyAt + j];
            }
          }
        }
      }
    }
  }
  store(floatsOf(backend, out), sums);
  return out;
};

export const depthwiseBackpropFilterConfig: KernelConfig = {
  kernelName: DepthwiseConv2dNativeBackpropFilter,
  backendName: 'wasm',
  kernelFunc: depthwiseBackpropFilter,
};
