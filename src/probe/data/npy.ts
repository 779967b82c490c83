// Reads NumPy .npy files (format versions 1–3): the header is parsed here, no NumPy needed.
export interface NpyArray {
  shape: number[];
  /** Values as float32 (integers too; labels are small). */
  data: Float32Array;
  dtype: string;
}

const MAGIC = '\x93NUMPY';

/** The value of IEEE half-precision bits. */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

export function parseNpy(bytes: Uint8Array, file = '.npy file'): NpyArray {
  const fail = (why: string): never => {
    throw new Error(`${file}: not a readable .npy array (${why})`);
  };
  if (bytes.length < 10 || String.fromCharCode(...bytes.subarray(0, 6)) !== MAGIC) fail('missing the \\x93NUMPY magic');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const major = bytes[6];
  const headerLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const start = major === 1 ? 10 : 12;
  if (start + headerLen > bytes.length) fail('header longer than the file');
  const header = new TextDecoder('latin1').decode(bytes.subarray(start, start + headerLen));
  const descr = /'descr'\s*:\s*'([^']+)'/.exec(header)?.[1] ?? fail('no descr in the header');
  if (/'fortran_order'\s*:\s*True/.test(header)) fail('Fortran order is not supported; save with np.ascontiguousarray');
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1] ?? fail('no shape in the header');
  const shape = shapeText.split(',').map((s) => s.trim()).filter((s) => s.length > 0).map(Number);
  if (shape.some((d) => !Number.isInteger(d) || d < 0)) fail(`bad shape (${shapeText})`);
  const count = shape.reduce((a, b) => a * b, 1);
  const order = descr[0];
  const little = order === '<' || order === '|' || order === '=';
  if (!little && order !== '>') fail(`unknown byte order in dtype ${descr}`);
  const kind = descr.slice(1);
  const readers: Record<string, [number, (o: number) => number]> = {
    f2: [2, (o) => halfToFloat(view.getUint16(o, little))],
    f4: [4, (o) => view.getFloat32(o, little)],
    f8: [8, (o) => view.getFloat64(o, little)],
    i1: [1, (o) => view.getInt8(o)],
    u1: [1, (o) => view.getUint8(o)],
    i2: [2, (o) => view.getInt16(o, little)],
    i4: [4, (o) => view.getInt32(o, little)],
    i8: [8, (o) => Number(view.getBigInt64(o, little))],
    b1: [1, (o) => view.getUint8(o)],
  };
  const reader = readers[kind] ?? fail(`dtype ${descr} is not supported (use float16/32/64 or integers)`);
  const [size, read] = reader;
  const offset = start + headerLen;
  if (offset + count * size > bytes.length) fail(`data is shorter than shape ${JSON.stringify(shape)} needs`);
  const data = new Float32Array(count);
  for (let i = 0; i < count; i++) data[i] = read(offset + i * size);
  return { shape, data, dtype: descr };
}
