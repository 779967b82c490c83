// DepthwiseConv2dNativeBackpropInput for wasm, computed in place on the heap (NHWC, as tfjs defines it).
import {
  DepthwiseConv2dNativeBackpropInput,
  type DepthwiseConv2dNativeBackpropInputAttrs,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import { floatsOf, store, wasmBackend } from './heap';
import { depthwiseGeometry } from './depthwise_geometry';

const depthwiseBackpropInput: KernelFunc = ({ inputs, backend: untyped, attrs }) => {
  const backend = wasmBackend(untyped);
  const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo };
  const { strides, dilations, pad, dimRoundingMode, inputShape } = attrs as unknown as DepthwiseConv2dNativeBackpropInputAttrs;
  const info = depthwiseGeometry(inputShape, filter.shape as [number, number, number, number], { strides, dilations, pad, dimRoundingMode });
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels, multiplier, top, left } = info;
  const { filterHeight, filterWidth, strideHeight, strideWidth, dilationHeight, dilationWidth } = info;

  const out = backend.makeOutput([...inputShape], 'float32');
  const dys = floatsOf(backend, dy);
  const ws = floatsOf(backend, filter);
  const sums = new Float64Array(batchSize * inHeight * inWidth * inChannels);

  // Each output pixel sends its gradient back to the input pixels its filter taps read.
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
            const dxAt = ((b * inHeight + ih) * inWidth + iw) * inChannels;
            const wAt = (kh * filterWidth + kw) * outChannels;
            for (let c = 0, j = 0; c < inChannels; c++) {
              let s = 0;
              for (let m = 0; m < multiplier; m++, j++) s += dys[dyAt + j] * ws[wAt + j];
              sums[dxAt + c] += s;
            }
          }
        }
      }
    }
  }
  store(floatsOf(backend, out), sums);
  return out;
};

export const depthwiseBackpropInputConfig: KernelConfig = {
  kernelName: DepthwiseConv2dNativeBackpropInput,
  backendName: 'wasm',
  kernelFunc: depthwiseBackpropInput,
};
