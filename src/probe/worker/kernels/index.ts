// The gradient kernels the wasm backend lacks, and NaN-keeping replacements for kernels of its that drop NaN,
// registered into tfjs-core's kernel registry once.
import { getKernel, registerKernel, unregisterKernel, type KernelConfig } from '@tensorflow/tfjs-core';
import { conv2dBackpropFilterConfig } from './conv2d_backprop_filter';
import { depthwiseBackpropFilterConfig } from './depthwise_backprop_filter';
import { depthwiseBackpropInputConfig } from './depthwise_backprop_input';
import { nanKeepingKernels } from './nan_keeping';
import { unsortedSegmentSumConfig } from './unsorted_segment_sum';

export const wasmGradientKernels: KernelConfig[] = [
  conv2dBackpropFilterConfig,
  depthwiseBackpropFilterConfig,
  depthwiseBackpropInputConfig,
  unsortedSegmentSumConfig,
];

let registered = false;

/** Registers the missing wasm kernels (a kernel the backend already has is left alone) and replaces those that drop NaN. */
export function registerWasmGradientKernels(): void {
  if (registered) return;
  registered = true;
  for (const config of wasmGradientKernels) {
    if (!getKernel(config.kernelName, config.backendName)) registerKernel(config);
  }
  for (const config of nanKeepingKernels) {
    if (getKernel(config.kernelName, config.backendName)) unregisterKernel(config.kernelName, config.backendName);
    registerKernel(config);
  }
}
