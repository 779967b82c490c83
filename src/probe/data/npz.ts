// Reads NumPy .npz archives (np.savez / np.savez_compressed): one .npy array per name.
import { parseNpy, type NpyArray } from './npy';
import { readZip } from './zip';

// Data for a few training iterations: anything near this is a mistake or a zip bomb.
export const MAX_NPZ_ARRAY_BYTES = 512 * 1024 * 1024;

export function parseNpz(bytes: Uint8Array, file: string): Map<string, NpyArray> {
  const arrays = new Map<string, NpyArray>();
  for (const entry of readZip(bytes, file, MAX_NPZ_ARRAY_BYTES)) {
    if (!entry.name.endsWith('.npy')) continue;
    const name = entry.name.slice(0, -'.npy'.length);
    arrays.set(name, parseNpy(entry.read(), `${file}: ${name}`));
  }
  if (arrays.size === 0) throw new Error(`${file}: the archive holds no .npy arrays`);
  return arrays;
}
