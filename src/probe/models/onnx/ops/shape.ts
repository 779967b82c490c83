// Shape ops: Reshape, Flatten, Transpose, Squeeze, Unsqueeze, Concat, Split, Slice, Gather, Shape, Expand, Tile, Pad,
// and the ops that make tensors from attributes and shapes: Constant, ConstantOfShape, Range, Trilu, EyeLike.
import * as tf from '@tensorflow/tfjs-core';
import { checkedSize } from '../limits';
import type { HostTensor } from '../tensor';
import type { OpContext, OpSpec, Value } from './types';
import { axisLast, axisOf, broadcastShape, required } from './util';

const product = (dims: number[]): number => dims.reduce((a, b) => a * b, 1);

function reshape(v: Value[], c: OpContext): tf.Tensor {
  const x = required(v, 0, c);
  const target = c.ints(required(v, 1, c))!;
  const allowZero = c.int('allowzero', 0) === 1;
  // 0 copies the input's dimension (unless allowzero); -1 is inferred by TensorFlow.js.
  const shape = target.map((d, i) => (d === 0 && !allowZero ? x.shape[i] : d));
  return tf.reshape(x, shape);
}

function flatten(v: Value[], c: OpContext): tf.Tensor {
  const x = required(v, 0, c);
  const axis = c.int('axis', 1);
  const at = axis < 0 ? axis + x.rank : axis;
  return tf.reshape(x, [product(x.shape.slice(0, at)), product(x.shape.slice(at))]);
}

/** Axes from the input (opset 13 on for Squeeze/Unsqueeze) or the attribute (before). */
function axesOf(v: Value[], c: OpContext, at: number): number[] | undefined {
  return v[at] ? c.ints(v[at]) : c.intList('axes');
}

function squeeze(v: Value[], c: OpContext): tf.Tensor {
  const x = required(v, 0, c);
  const axes = axesOf(v, c, 1)?.map((a) => axisOf(a, x.rank, c));
  return tf.squeeze(x, axes && axes.length ? axes : undefined);
}

function unsqueeze(v: Value[], c: OpContext): tf.Tensor {
  const x = required(v, 0, c);
  const rank = x.rank + (axesOf(v, c, 1)?.length ?? 0);
  const axes = new Set((axesOf(v, c, 1) ?? c.fail('axes are missing')).map((a) => axisOf(a, rank, c)));
  const shape: number[] = [];
  for (let i = 0, k = 0; i < rank; i++) shape.push(axes.has(i) ? 1 : x.shape[k++]);
  return tf.reshape(x, shape);
}

function concat(v: Value[], c: OpContext): tf.Tensor {
  const xs = v.filter((t): t is tf.Tensor => t !== undefined);
  const axis = axisOf(c.int('axis', 0), xs[0].rank, c);
  const nonEmpty = xs.filter((t) => t.size > 0);
  const dtype = nonEmpty.some((t) => t.dtype === 'float32') ? 'float32' : (nonEmpty[0] ?? xs[0]).dtype;
  return nonEmpty.length === 0 ? xs[0] : tf.concat(nonEmpty.map((t) => (t.dtype === dtype ? t : tf.cast(t, dtype))), axis);
}

function split(v: Value[], c: OpContext): tf.Tensor[] {
  const x = required(v, 0, c);
  const axis = axisOf(c.int('axis', 0), x.rank, c);
  const parts = c.node.outputs.length;
  const sizes = axesOf(v, c, 1) ?? c.intList('split');
  if (sizes) return tf.split(x, sizes, axis);
  // Equal parts; opset 18's num_outputs lets the last one be smaller.
  const each = Math.ceil(x.shape[axis] / parts);
  return tf.split(x, Array.from({ length: parts }, (_, i) => Math.min(each, x.shape[axis] - i * each)), axis);
}

/** Slice with ONNX's clamping; steps other than 1 become a gather (TensorFlow.js has no strided-slice gradient). */
function slice(v: Value[], c: OpContext): tf.Tensor {
  let x = required(v, 0, c);
  const starts = c.ints(required(v, 1, c))!;
  const ends = c.ints(required(v, 2, c))!;
  const axes = (c.ints(v[3]) ?? starts.map((_, i) => i)).map((a) => axisOf(a, x.rank, c));
  const steps = c.ints(v[4]) ?? starts.map(() => 1);
  const begin = new Array(x.rank).fill(0);
  const size = [...x.shape];
  const strided: [number, number, number, number][] = [];
  axes.forEach((axis, i) => {
    const dim = x.shape[axis];
    const step = steps[i];
    if (step === 0) c.fail('a slice step of 0');
    const clamp = (p: number, lo: number, hi: number): number => Math.min(Math.max(p < 0 ? p + dim : p, lo), hi);
    const start = step > 0 ? clamp(starts[i], 0, dim) : clamp(starts[i], 0, dim - 1);
    const end = step > 0 ? clamp(ends[i], 0, dim) : Math.min(Math.max(ends[i] < 0 ? ends[i] + dim : ends[i], -1), dim - 1);
    if (step === 1) {
      begin[axis] = start;
      size[axis] = Math.max(0, end - start);
    } else strided.push([axis, start, end, step]);
  });
  x = tf.slice(x, begin, size);
  for (const [axis, start, end, step] of strided) {
    const indices: number[] = [];
    for (let p = start; step > 0 ? p < end : p > end; p += step) indices.push(p);
    x = tf.gather(x, tf.tensor1d(indices, 'int32'), axis);
  }
  return x;
}

/** Indices read on the host, negative ones counted from the end of an axis of `dim` (the wasm backend's int32 select is broken). */
function hostIndices(indices: tf.Tensor, dim: number): Int32Array {
  const host = Int32Array.from(indices.dataSync());
  host.forEach((i, k) => {
    if (i < 0) host[k] = i + dim;
  });
  return host;
}

/**
 * GatherElements (`torch.gather`): out[…, k, …] = data[…, indices[…, k, …], …] along `axis`. Picked with a mask
 * rather than multiplied by a one-hot, so an inf or NaN the index does not pick stays out of the result.
 */
function gatherElements(v: Value[], c: OpContext): tf.Tensor {
  const data = required(v, 0, c);
  const indices = required(v, 1, c);
  if (indices.rank !== data.rank) c.fail(`GatherElements indices of rank ${indices.rank} for data of rank ${data.rank}`);
  const axis = axisOf(c.int('axis', 0), data.rank, c);
  const size = data.shape[axis];
  // the other axes as the indices have them (torch.gather allows an index smaller than the input there)
  const begin = data.shape.map(() => 0);
  const extent = indices.shape.map((d, i) => (i === axis ? size : d));
  if (extent.some((d, i) => d > data.shape[i])) c.fail(`GatherElements indices of shape [${indices.shape}] do not fit data of shape [${data.shape}]`);
  const { moved, back } = axisLast(tf.slice(data, begin, extent), axis); // […, size]
  const idx = axisLast(tf.tensor(hostIndices(indices, size), indices.shape, 'int32'), axis).moved; // […, K]
  const mask = tf.cast(tf.oneHot(idx, size), 'bool'); // […, K, size]
  const spread = tf.broadcastTo(tf.expandDims(moved, -2), mask.shape);
  return back(tf.sum(tf.where(mask, spread, tf.zerosLike(spread)), -1));
}

/** OneHot(indices, depth, [off, on]) with the new axis at `axis` (default last). */
function oneHot(v: Value[], c: OpContext): tf.Tensor {
  const indices = required(v, 0, c);
  const depth = c.scalar(v[1]) ?? c.fail('OneHot needs its depth');
  const [off, on] = v[2] ? Array.from(v[2].dataSync()) : [0, 1];
  const wrapped = tf.tensor(hostIndices(indices, depth), indices.shape, 'int32');
  const hot = tf.add(tf.mul(tf.cast(tf.oneHot(wrapped, depth), 'float32'), on - off), off);
  const rank = indices.rank + 1;
  const axis = axisOf(c.int('axis', -1), rank, c);
  if (axis === rank - 1) return hot;
  const order = [...Array(rank - 1).keys()];
  order.splice(axis, 0, rank - 1);
  return tf.transpose(hot, order);
}

function gather(v: Value[], c: OpContext): tf.Tensor {
  const x = required(v, 0, c);
  const indices = required(v, 1, c);
  const axis = axisOf(c.int('axis', 0), x.rank, c);
  const dim = x.shape[axis]!;
  const host = hostIndices(indices, dim);
  const bad = host.find((i) => i < 0 || i >= dim);
  if (bad !== undefined) c.fail(`index ${bad} is out of range for an axis of ${dim}`);
  const flat = tf.tensor(host, indices.rank === 0 ? [1] : indices.shape, 'int32');
  const y = tf.gather(x, flat, axis);
  return indices.rank === 0 ? tf.squeeze(y, [axis]) : y;
}

function shapeOf(v: Value[], c: OpContext): tf.Tensor {
  const dims = required(v, 0, c).shape;
  const start = c.int('start', 0);
  const end = c.int('end', dims.length);
  return tf.tensor1d(dims.slice(start < 0 ? start + dims.length : start, end < 0 ? end + dims.length : end), 'int32');
}

function expand(v: Value[], c: OpContext): tf.Tensor {
  const x = required(v, 0, c);
  const shape = broadcastShape(x.shape, c.ints(required(v, 1, c))!, c);
  checkedSize(shape, `Expand at node ${c.node.name}`);
  return tf.broadcastTo(x.rank < shape.length ? tf.reshape(x, [...new Array(shape.length - x.rank).fill(1), ...x.shape]) : x, shape);
}

function hostTensor(t: HostTensor): tf.Tensor {
  return tf.tensor(t.values, t.shape, t.dtype);
}

function constant(_v: Value[], c: OpContext): tf.Tensor {
  const t = c.tensorAttr('value');
  if (t) return hostTensor(t);
  const f = c.attr('value_float');
  if (typeof f === 'number') return tf.scalar(f, 'float32');
  const fs = c.attr('value_floats');
  if (Array.isArray(fs)) return tf.tensor1d(fs as number[], 'float32');
  const i = c.attr('value_int');
  if (typeof i === 'number') return tf.scalar(i, 'int32');
  const is = c.attr('value_ints');
  if (Array.isArray(is)) return tf.tensor1d(is as number[], 'int32');
  return c.fail('a Constant without a tensor, float or int value (strings and sparse values are not supported)');
}

function constantOfShape(v: Value[], c: OpContext): tf.Tensor {
  const shape = c.ints(required(v, 0, c))!;
  checkedSize(shape, `ConstantOfShape at node ${c.node.name}`);
  const value = c.tensorAttr('value');
  return tf.fill(shape, value ? value.values[0] : 0, value?.dtype ?? 'float32');
}

function range(v: Value[], c: OpContext): tf.Tensor {
  const [start, limit, delta] = [0, 1, 2].map((i) => c.scalar(required(v, i, c))!);
  if (delta === 0) c.fail('a Range with delta 0');
  checkedSize([Math.max(0, Math.ceil((limit - start) / delta))], `Range at node ${c.node.name}`);
  return tf.range(start, limit, delta, required(v, 0, c).dtype === 'int32' ? 'int32' : 'float32');
}

/** Keeps the upper (or lower) triangle of the last two axes from diagonal k, zeroing the rest. */
function trilu(v: Value[], c: OpContext): tf.Tensor {
  const x = required(v, 0, c);
  const k = c.scalar(v[1]) ?? 0;
  const upper = c.int('upper', 1) === 1;
  const [rows, cols] = x.shape.slice(-2);
  const keep = new Uint8Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) keep[i * cols + j] = (upper ? j - i >= k : j - i <= k) ? 1 : 0;
  const mask = tf.tensor2d(keep, [rows, cols], 'bool');
  return tf.where(tf.broadcastTo(mask, x.shape), x, tf.zerosLike(x));
}

/** A 2-D tensor of the input's shape with ones on diagonal k (`torch.eye`, `Tensor.diagonal` write it), in the input's type or `dtype`. */
function eyeLike(v: Value[], c: OpContext): tf.Tensor {
  const x = required(v, 0, c);
  if (x.rank !== 2) c.fail(`input of rank ${x.rank}; EyeLike takes a 2-D tensor`);
  const [rows, cols] = x.shape;
  const k = c.int('k', 0);
  const to = c.attr('dtype') as number | undefined;
  const dtype = to === undefined ? x.dtype : to === 9 ? 'bool' : [1, 10, 11, 16].includes(to) ? 'float32' : 'int32';
  const eye = new Float32Array(rows * cols);
  for (let i = 0; i < rows; i++) if (i + k >= 0 && i + k < cols) eye[i * cols + i + k] = 1;
  return tf.cast(tf.tensor2d(eye, [rows, cols]), dtype);
}

function pad(v: Value[], c: OpContext): tf.Tensor {
  const x = required(v, 0, c);
  const pads = c.ints(required(v, 1, c))!;
  const value = c.scalar(v[2]) ?? 0;
  const axes = (c.ints(v[3]) ?? [...Array(x.rank).keys()]).map((a) => axisOf(a, x.rank, c));
  const widths: [number, number][] = x.shape.map(() => [0, 0]);
  axes.forEach((a, i) => (widths[a] = [pads[i], pads[i + axes.length]]));
  if (widths.some(([b, e]) => b < 0 || e < 0)) c.fail('negative pads (cropping) are not supported');
  const mode = c.str('mode', 'constant');
  if (mode === 'constant') return tf.pad(x, widths, value);
  if (mode === 'reflect') return tf.mirrorPad(x, widths, 'reflect');
  return c.fail(`Pad mode ${mode} is not supported (constant and reflect are)`);
}

export const shapeOps: Record<string, OpSpec> = {
  Reshape: { run: reshape, data: [0] },
  Flatten: { run: flatten },
  Transpose: { run: (v, c) => tf.transpose(required(v, 0, c), c.intList('perm')) },
  Squeeze: { run: squeeze, data: [0] },
  Unsqueeze: { run: unsqueeze, data: [0] },
  Concat: { run: concat },
  Split: { run: split, data: [0] },
  Slice: { run: slice, data: [0] },
  Gather: { run: gather, data: [0] },
  GatherElements: { run: gatherElements, data: [0] },
  OneHot: { run: oneHot, data: [] },
  Shape: { run: shapeOf, data: [] },
  Expand: { run: expand, data: [0] },
  Tile: { run: (v, c) => tf.tile(required(v, 0, c), c.ints(required(v, 1, c))!), data: [0] },
  Pad: { run: pad, data: [0] },
  Constant: { run: constant, data: [] },
  ConstantOfShape: { run: constantOfShape, data: [] },
  Range: { run: range, data: [] },
  Trilu: { run: trilu, data: [0] },
  EyeLike: { run: eyeLike, data: [] },
};
