// Chooses the TensorFlow.js backend the probe runs on: native TensorFlow, else wasm, else CPU.
import * as tf from '@tensorflow/tfjs-core';
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { registerWasmGradientKernels } from './kernels/index';

export type BackendName = 'tensorflow' | 'wasm' | 'cpu';

export interface SelectedBackend {
  name: BackendName;
  /** Why this backend was chosen (and why the ones before it were not), for the report. */
  reason: string;
}

const order: BackendName[] = ['tensorflow', 'wasm', 'cpu'];
const WASM_FILE = 'tfjs-backend-wasm.wasm';

// A failed backend stays failed for this process; remembering it keeps later calls cheap.
const failures = new Map<BackendName, string>();
let nativeLoaded = false;
let wasmPathsSet = false;

/**
 * Sets the TensorFlow.js backend, trying `preferred` first and then native TensorFlow,
 * wasm and CPU in that order. Calling it again is cheap.
 */
export async function selectBackend(preferred?: BackendName): Promise<SelectedBackend> {
  registerWasmGradientKernels();
  // Bundlers drop a bare side-effect import of the CPU package (its sideEffects list omits the
  // node entry), so register it from a value we use.
  if (!tf.findBackendFactory('cpu')) tf.registerBackend('cpu', () => new MathBackendCPU(), 1);
  const chain = preferred ? [preferred, ...order.filter((n) => n !== preferred)] : order;
  const skipped: string[] = [];
  for (const name of chain) {
    const why = failures.get(name) ?? (await tryBackend(name));
    if (why === undefined) {
      const choice = preferred === name ? 'requested' : preferred ? `requested ${preferred} unavailable` : 'first available';
      const reason = skipped.length ? `${name} (${choice}; ${skipped.join('; ')})` : `${name} (${choice})`;
      return { name, reason };
    }
    failures.set(name, why);
    skipped.push(`${name}: ${why}`);
  }
  throw new Error(`no TensorFlow.js backend could start: ${skipped.join('; ')}`);
}

/** Returns undefined when `name` is now the active backend, else why it is not. */
async function tryBackend(name: BackendName): Promise<string | undefined> {
  if (tf.getBackend() === name && tf.findBackend(name)) return undefined;
  if (name === 'tensorflow') {
    const why = loadNative();
    if (why) return why;
  }
  if (name === 'wasm') {
    const why = pointWasmAtItsFiles();
    if (why) return why;
  }
  let ok = false;
  try {
    ok = await tf.setBackend(name);
  } catch (err) {
    return `failed to start (${message(err)})`;
  }
  if (!ok) return 'failed to start';
  try {
    // A backend from another tfjs-core copy can register yet fail on our tensors.
    const sum = tf.tidy(() => tf.add(tf.scalar(1), tf.scalar(2)).dataSync()[0]);
    if (sum !== 3) return `failed a smoke test (1 + 2 = ${sum})`;
  } catch (err) {
    return `failed a smoke test (${message(err)})`;
  }
  return undefined;
}

function loadNative(): string | undefined {
  if (nativeLoaded) return tf.findBackendFactory('tensorflow') ? undefined : 'not registered';
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- an optional native package, loaded only if present
    require('@tensorflow/tfjs-node');
  } catch (err) {
    return `@tensorflow/tfjs-node not loadable (${firstLine(message(err))})`;
  }
  nativeLoaded = true;
  // tfjs-core keeps one engine per process (a global), so a nested tfjs-core copy registers here too;
  // if it does not, the copy is too different to share tensors with.
  if (!tf.findBackendFactory('tensorflow')) return '@tensorflow/tfjs-node loaded but registered into a different tfjs-core';
  return undefined;
}

/** The folder holding the wasm binaries: beside the bundle (dist/) or in the installed package. */
export function wasmFilesDir(): string | undefined {
  const candidates: string[] = [];
  if (typeof __dirname === 'string') candidates.push(__dirname);
  try {
    candidates.push(join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist'));
  } catch {
    // not resolvable from here (a packaged extension): the bundle's own folder is the only place
  }
  return candidates.find((dir) => existsSync(join(dir, WASM_FILE)));
}

function pointWasmAtItsFiles(): string | undefined {
  if (wasmPathsSet) return undefined;
  const dir = wasmFilesDir();
  if (!dir) return `${WASM_FILE} not found beside the program or in node_modules`;
  try {
    // In Node the wasm loader reads a plain file path with fs, so a directory prefix works.
    setWasmPaths(dir.endsWith('/') ? dir : dir + '/');
  } catch (err) {
    return message(err);
  }
  wasmPathsSet = true;
  return undefined;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function firstLine(text: string): string {
  return text.split('\n')[0];
}
