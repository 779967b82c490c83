// TensorBoard event files (events.out.tfevents.*): TFRecord-framed `Event` protos with scalar summaries.
import { basename } from 'node:path';
import type { TrainingEvent } from '../../types';
import type { StructuredFormat } from './types';
import { readTfRecords } from './tfrecord';
import { WIRE_BYTES, WIRE_FIXED32, WIRE_FIXED64, protoFields, readFloat32, readFloat64, toInt64, utf8 } from './proto';
import { eventFromValues } from './values';

// Field numbers from tensorflow/core/util/event.proto, framework/summary.proto and framework/tensor.proto.
const EVENT_WALL_TIME = 1;
const EVENT_STEP = 2;
const EVENT_SUMMARY = 5;
const SUMMARY_VALUE = 1;
const VALUE_TAG = 1;
const VALUE_SIMPLE = 2;
const VALUE_TENSOR = 8;
const TENSOR_DTYPE = 1;
const TENSOR_SHAPE = 2;
const TENSOR_CONTENT = 4;
const TENSOR_FLOAT_VAL = 5;
const TENSOR_DOUBLE_VAL = 6;
const TENSOR_HALF_VAL = 13;
const SHAPE_DIM = 2;
const DIM_SIZE = 1;
const DT_FLOAT = 1;
const DT_DOUBLE = 2;
const DT_BFLOAT16 = 14;
const DT_HALF = 19;

export interface TensorBoardEvent {
  wallTime: number | null;
  step: number;
  /** Scalar values by tag, in record order. */
  scalars: [string, number][];
}

export function decodeEvent(data: Uint8Array): TensorBoardEvent {
  const out: TensorBoardEvent = { wallTime: null, step: 0, scalars: [] };
  for (const f of protoFields(data)) {
    if (f.field === EVENT_WALL_TIME && f.wire === WIRE_FIXED64) out.wallTime = readFloat64(f.bytes!);
    else if (f.field === EVENT_STEP && f.varint !== undefined) out.step = toInt64(f.varint);
    else if (f.field === EVENT_SUMMARY && f.wire === WIRE_BYTES) {
      for (const s of protoFields(f.bytes!)) {
        if (s.field !== SUMMARY_VALUE || s.wire !== WIRE_BYTES) continue;
        const scalar = decodeValue(s.bytes!);
        if (scalar) out.scalars.push(scalar);
      }
    }
  }
  return out;
}

function decodeValue(data: Uint8Array): [string, number] | null {
  let tag = '';
  let value: number | null = null;
  for (const f of protoFields(data)) {
    if (f.field === VALUE_TAG && f.wire === WIRE_BYTES) tag = utf8(f.bytes!);
    else if (f.field === VALUE_SIMPLE && f.wire === WIRE_FIXED32) value = readFloat32(f.bytes!);
    else if (f.field === VALUE_TENSOR && f.wire === WIRE_BYTES) value = scalarOfTensor(f.bytes!);
  }
  return value === null ? null : [tag, value];
}

/** The value of a one-element floating-point TensorProto (TF2 `tf.summary.scalar`), else null. */
export function scalarOfTensor(data: Uint8Array): number | null {
  let dtype = 0;
  let elements = 1;
  const values: number[] = [];
  let content: Uint8Array | null = null;
  for (const f of protoFields(data)) {
    if (f.field === TENSOR_DTYPE && f.varint !== undefined) dtype = f.varint;
    else if (f.field === TENSOR_SHAPE && f.wire === WIRE_BYTES) elements = elementCount(f.bytes!);
    else if (f.field === TENSOR_CONTENT && f.wire === WIRE_BYTES) content = f.bytes!;
    else if (f.field === TENSOR_FLOAT_VAL) values.push(...repeated(f, 4, readFloat32));
    else if (f.field === TENSOR_DOUBLE_VAL) values.push(...repeated(f, 8, readFloat64));
    else if (f.field === TENSOR_HALF_VAL) values.push(...repeatedVarint(f).map((h) => (dtype === DT_BFLOAT16 ? bfloat16(h) : half(h))));
  }
  if (elements !== 1) return null;
  if (content) {
    if (dtype === DT_FLOAT && content.length >= 4) return readFloat32(content);
    if (dtype === DT_DOUBLE && content.length >= 8) return readFloat64(content);
    if (dtype === DT_HALF && content.length >= 2) return half(content[0] | (content[1] << 8));
    if (dtype === DT_BFLOAT16 && content.length >= 2) return bfloat16(content[0] | (content[1] << 8));
    return null;
  }
  if (![DT_FLOAT, DT_DOUBLE, DT_HALF, DT_BFLOAT16].includes(dtype)) return null;
  return values.length === 1 ? values[0] : null;
}

function elementCount(shape: Uint8Array): number {
  let n = 1;
  for (const f of protoFields(shape)) {
    if (f.field !== SHAPE_DIM || f.wire !== WIRE_BYTES) continue;
    for (const d of protoFields(f.bytes!)) if (d.field === DIM_SIZE && d.varint !== undefined) n *= toInt64(d.varint);
  }
  return n;
}

// Repeated scalars come packed (one length-delimited field) or one field per value.
function repeated(f: { wire: number; bytes?: Uint8Array }, width: number, read: (b: Uint8Array, at: number) => number): number[] {
  const b = f.bytes!;
  if (f.wire !== WIRE_BYTES) return [read(b, 0)];
  const out: number[] = [];
  for (let at = 0; at + width <= b.length; at += width) out.push(read(b, at));
  return out;
}

function repeatedVarint(f: { wire: number; varint?: number; bytes?: Uint8Array }): number[] {
  if (f.wire !== WIRE_BYTES) return f.varint === undefined ? [] : [f.varint];
  const out: number[] = [];
  let v = 0;
  let scale = 1;
  for (const b of f.bytes!) {
    v += (b & 0x7f) * scale;
    scale *= 128;
    if ((b & 0x80) === 0) {
      out.push(v);
      v = 0;
      scale = 1;
    }
  }
  return out;
}

function half(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0x1f) return frac ? NaN : sign * Infinity;
  if (exp === 0) return sign * frac * 2 ** -24;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

function bfloat16(h: number): number {
  const b = new DataView(new ArrayBuffer(4));
  b.setUint32(0, (h & 0xffff) << 16);
  return b.getFloat32(0);
}

// An event's `line` is its record number (1-based, the file_version record included): binary files have no lines.
async function* read(path: string, signal?: AbortSignal): AsyncGenerator<TrainingEvent> {
  for await (const record of readTfRecords(path, signal)) {
    let decoded: TensorBoardEvent;
    try {
      decoded = decodeEvent(record.data);
    } catch (e) {
      throw new Error(`record ${record.index} at byte ${record.offset}: not a TensorBoard Event (${(e as Error).message})`);
    }
    if (decoded.scalars.length === 0) continue;
    yield eventFromValues('tensorboard', record.index, decoded.step, decoded.scalars);
  }
}

export const tensorboard: StructuredFormat = {
  name: 'tensorboard',
  matches: (path) => basename(path).includes('tfevents'),
  read,
};
