// The gradient kernels the wasm backend lacks, registered into tfjs-core's kernel registry once.
import { getKernel, registerKernel, type KernelConfig } from '@tensorflow/tfjs-core';
import { conv2dBackpropFilterConfig } from './conv2d_backprop_filter';
import { depthwiseBackpropFilterConfig } from './depthwise_backprop_filter';
import { depthwiseBackpropInputConfig } from './depthwise_backprop_input';
import { unsortedSegmentSumConfig } from './unsorted_segment_sum';

export const wasmGradientKernels: KernelConfig[] = [
  conv2dBackpropFilterConfig,
  depthwiseBackpropFilterConfig,
  depthwiseBackpropInputConfig,
  unsortedSegmentSumConfig,
];

let registered = false;

/** Registers the missing wasm kernels; a kernel the wasm backend already has is left alone. */
export function registerWasmGradientKernels(): void {
  if (registered) return;
  registered = true;
  for (const config of wasmGradientKernels) {
    if (!getKernel(config.kernelName, config.backendName)) registerKernel(config);
  }
}
