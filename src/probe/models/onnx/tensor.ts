// ONNX tensors (initializers, Constant values) as host arrays in the types TensorFlow.js has: float32, int32, bool.
import { halfToFloat } from '../../data/npy';
import { checkedSize } from './limits';

export type HostDtype = 'float32' | 'int32' | 'bool';

export interface HostTensor {
  dtype: HostDtype;
  shape: number[];
  values: Float32Array | Int32Array | Uint8Array;
}

/** TensorProto as protobufjs' toObject gives it (longs as numbers, bytes as Uint8Array). */
export interface TensorProtoObject {
  name?: string;
  dims?: number[];
  data_type?: number;
  float_data?: number[];
  int32_data?: number[];
  int64_data?: number[];
  double_data?: number[];
  uint64_data?: number[];
  raw_data?: Uint8Array;
  data_location?: number;
}

const INT32_MAX = 2 ** 31 - 1;
// int64 values outside int32 (INT64_MAX as "to the end" in Slice) keep their meaning when clamped.
const clampInt = (v: number): number => (v > INT32_MAX ? INT32_MAX : v < -INT32_MAX - 1 ? -INT32_MAX - 1 : v);

const scratch = new DataView(new ArrayBuffer(4));
/** bfloat16 bits are the high half of a float32's. */
function bf16ToFloat(bits: number): number {
  scratch.setUint32(0, (bits & 0xffff) << 16);
  return scratch.getFloat32(0);
}

// data_type → [our dtype, bytes per raw element, raw reader, the typed field holding values otherwise]
type Reader = (view: DataView, offset: number) => number;
const TYPES: Record<number, [HostDtype, number, Reader, keyof TensorProtoObject, string]> = {
  1: ['float32', 4, (v, o) => v.getFloat32(o, true), 'float_data', 'float'],
  2: ['int32', 1, (v, o) => v.getUint8(o), 'int32_data', 'uint8'],
  3: ['int32', 1, (v, o) => v.getInt8(o), 'int32_data', 'int8'],
  4: ['int32', 2, (v, o) => v.getUint16(o, true), 'int32_data', 'uint16'],
  5: ['int32', 2, (v, o) => v.getInt16(o, true), 'int32_data', 'int16'],
  6: ['int32', 4, (v, o) => v.getInt32(o, true), 'int32_data', 'int32'],
  7: ['int32', 8, (v, o) => clampInt(Number(v.getBigInt64(o, true))), 'int64_data', 'int64'],
  9: ['bool', 1, (v, o) => (v.getUint8(o) ? 1 : 0), 'int32_data', 'bool'],
  10: ['float32', 2, (v, o) => halfToFloat(v.getUint16(o, true)), 'int32_data', 'float16'],
  11: ['float32', 8, (v, o) => v.getFloat64(o, true), 'double_data', 'double'],
  12: ['int32', 4, (v, o) => clampInt(v.getUint32(o, true)), 'uint64_data', 'uint32'],
  13: ['int32', 8, (v, o) => clampInt(Number(v.getBigUint64(o, true))), 'uint64_data', 'uint64'],
  16: ['float32', 2, (v, o) => bf16ToFloat(v.getUint16(o, true)), 'int32_data', 'bfloat16'],
};

/** Decodes one tensor; `what` names it in errors (e.g. "initializer fc.weight"). */
export function decodeTensor(t: TensorProtoObject, what: string): HostTensor {
  if (t.data_location === 1) throw new Error(`${what} keeps its values in an external file; NaN Doctor reads only self-contained models (export with the weights inside the .onnx)`);
  const type = TYPES[t.data_type ?? 0];
  if (!type) throw new Error(`${what} has ONNX data type ${t.data_type}, which the probe does not read (float, double, float16, bfloat16, integers and bool are read)`);
  const [dtype, bytes, read, field, typeName] = type;
  const shape = (t.dims ?? []).map(Number);
  const n = checkedSize(shape, what);
  const values = dtype === 'float32' ? new Float32Array(n) : dtype === 'int32' ? new Int32Array(n) : new Uint8Array(n);
  const raw = t.raw_data;
  if (raw && raw.length > 0) {
    if (raw.length !== n * bytes) throw new Error(`${what}: ${raw.length} bytes of ${typeName} data for shape [${shape.join(', ')}] (expected ${n * bytes})`);
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    for (let i = 0; i < n; i++) values[i] = read(view, i * bytes);
    return { dtype, shape, values };
  }
  const typed = (t[field] as number[] | undefined) ?? [];
  if (typed.length !== n) throw new Error(`${what}: ${typed.length} ${typeName} values for shape [${shape.join(', ')}] (expected ${n})`);
  for (let i = 0; i < n; i++) {
    const v = typed[i];
    // float16 and bfloat16 sit in int32_data as their bit patterns.
    values[i] = t.data_type === 10 ? halfToFloat(v) : t.data_type === 16 ? bf16ToFloat(v) : dtype === 'int32' ? clampInt(v) : v;
  }
  return { dtype, shape, values };
}
