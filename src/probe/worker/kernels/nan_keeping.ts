// Relu, Relu6 and ClipByValue for wasm that keep NaN. The backend's own (XNNPACK) versions turn the NaN real
// arithmetic makes (sign bit set, e.g. inf - inf) into 0 or the lower bound: a NaN would vanish where torch's spreads.
import { ClipByValue, Relu, Relu6, type ClipByValueAttrs, type KernelConfig, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs-core';
import { floatsOf, wasmBackend } from './heap';

/** An element-wise clamp to [lo, hi] written so a NaN input stays NaN (every comparison with NaN is false). */
function clampKernel(bounds: (attrs: unknown) => [number, number]): KernelFunc {
  return ({ inputs, backend: untyped, attrs }) => {
    const backend = wasmBackend(untyped);
    const { x } = inputs as { x: TensorInfo };
    const [lo, hi] = bounds(attrs);
    const out = backend.makeOutput(x.shape, 'float32');
    const src = floatsOf(backend, x);
    const dst = floatsOf(backend, out);
    for (let i = 0; i < src.length; i++) {
      const v = src[i]!;
      dst[i] = v < lo ? lo : v > hi ? hi : v;
    }
    return out;
  };
}

export const nanKeepingKernels: KernelConfig[] = [
  { kernelName: Relu, backendName: 'wasm', kernelFunc: clampKernel(() => [0, Infinity]) },
  { kernelName: Relu6, backendName: 'wasm', kernelFunc: clampKernel(() => [0, 6]) },
  {
    kernelName: ClipByValue,
    backendName: 'wasm',
    kernelFunc: clampKernel((attrs) => {
      const { clipValueMin, clipValueMax } = attrs as unknown as ClipByValueAttrs;
      return [clipValueMin, clipValueMax];
    }),
  },
];
