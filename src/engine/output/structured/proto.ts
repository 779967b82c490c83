// A minimal protobuf wire-format reader: enough to decode TensorBoard's Event messages by hand.

export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_BYTES = 2;
export const WIRE_FIXED32 = 5;

export interface ProtoField {
  field: number;
  wire: number;
  /** Varint fields (as a JS number: exact below 2^53, enough for steps). */
  varint?: number;
  /** The raw 4 or 8 bytes of fixed fields, or the payload of length-delimited ones. */
  bytes?: Uint8Array;
}

export class ProtoError extends Error {}

/** Iterates the fields of one encoded message, in wire order. */
export function* protoFields(buf: Uint8Array): Generator<ProtoField> {
  let pos = 0;
  const varint = (): number => {
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (pos >= buf.length) throw new ProtoError('varint runs past the end of the message');
      const b = buf[pos++];
      result += (b & 0x7f) * scale;
      if ((b & 0x80) === 0) return result;
      scale *= 128;
    }
    throw new ProtoError('varint longer than 10 bytes');
  };
  const take = (n: number): Uint8Array => {
    if (pos + n > buf.length) throw new ProtoError('field runs past the end of the message');
    const out = buf.subarray(pos, pos + n);
    pos += n;
    return out;
  };
  while (pos < buf.length) {
    const key = varint();
    const field = Math.floor(key / 8);
    const wire = key % 8;
    if (wire === WIRE_VARINT) yield { field, wire, varint: varint() };
    else if (wire === WIRE_FIXED64) yield { field, wire, bytes: take(8) };
    else if (wire === WIRE_BYTES) yield { field, wire, bytes: take(varint()) };
    else if (wire === WIRE_FIXED32) yield { field, wire, bytes: take(4) };
    else throw new ProtoError(`unsupported wire type ${wire} (field ${field})`);
  }
}

const view = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength);

export const readFloat32 = (b: Uint8Array, at = 0): number => view(b).getFloat32(at, true);
export const readFloat64 = (b: Uint8Array, at = 0): number => view(b).getFloat64(at, true);
/** Signed int64 from a varint (two's complement above 2^63 folds to negative). */
export const toInt64 = (v: number): number => (v >= 2 ** 63 ? v - 2 ** 64 : v);

export const utf8 = (b: Uint8Array): string => new TextDecoder('utf-8').decode(b);
