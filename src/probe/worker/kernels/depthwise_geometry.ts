// The geometry both depthwise backprop kernels share: tfjs's forward-op conv info, plus the channel
// multiplier and the top/left padding the loops index with.
import { backend_util } from '@tensorflow/tfjs-core';

type Shape4 = [number, number, number, number];

export interface DepthwiseAttrs {
  strides: [number, number] | number;
  dilations: [number, number] | number;
  pad: 'valid' | 'same' | number | backend_util.ExplicitPadding;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

export function depthwiseGeometry(inShape: Shape4, filterShape: Shape4, a: DepthwiseAttrs) {
  const info = backend_util.computeConv2DInfo(inShape, filterShape, a.strides, a.dilations, a.pad, a.dimRoundingMode, true);
  return { ...info, multiplier: info.outChannels / info.inChannels, top: info.padInfo.top, left: info.padInfo.left };
}
