// Convolutions: Conv (1-D and 2-D, grouped and depthwise) and ConvTranspose (2-D), NCHW as ONNX lays them out.
import * as tf from '@tensorflow/tfjs-core';
import type { OpContext, OpSpec, Value } from './types';
import { as2d, padSpatial, required, toNchw, toNhwc, windowPads } from './util';

/** Attributes of a 1-D op as their 2-D equivalents (height 1). */
export function lift2d(values: number[], rank: number, fill: number): number[] {
  return rank === 3 ? [fill, ...values] : values;
}

/** ONNX pads [x1_begin, x2_begin, x1_end, x2_end] of a 1-D op ([begin, end]) as 2-D. */
export function liftPads(pads: number[], rank: number): number[] {
  return rank === 3 ? [0, pads[0], 0, pads[1]] : pads;
}

interface Window {
  kernel: number[];
  strides: number[];
  dilations: number[];
  pads: number[];
}

/** The 2-D window of a Conv / pool from its attributes (1-D ops lifted), on an input of the given NCHW shape. */
export function windowOf(c: OpContext, shape: number[], kernelFromWeight?: number[]): Window {
  const rank = shape.length;
  if (rank !== 3 && rank !== 4) c.fail(`${rank - 2}-D windows are not supported (1-D and 2-D are)`);
  const n = rank - 2;
  const kernel = c.intList('kernel_shape') ?? kernelFromWeight ?? c.fail('kernel_shape is missing');
  const strides = c.intList('strides') ?? new Array(n).fill(1);
  const dilations = c.intList('dilations') ?? new Array(n).fill(1);
  const pads = windowPads(c, shape.slice(2), kernel, strides, dilations);
  return { kernel: lift2d(kernel, rank, 1), strides: lift2d(strides, rank, 1), dilations: lift2d(dilations, rank, 1), pads: liftPads(pads, rank) };
}

function conv(v: Value[], c: OpContext): tf.Tensor {
  const x = required(v, 0, c);
  const w = required(v, 1, c);
  const groups = c.int('group', 1);
  const win = windowOf(c, x.shape, w.shape.slice(2));
  const { x4, back } = as2d(x);
  const w4 = w.rank === 3 ? tf.expandDims(w, 2) : w;
  if (win.strides.some((s) => s > 1) && win.dilations.some((d) => d > 1)) c.fail('strides and dilations both above 1 are not supported');
  const input = padSpatial(toNhwc(x4), win.pads);
  const strides = win.strides as [number, number];
  const dilations = win.dilations as [number, number];
  const [outChannels, perGroup, kh, kw] = w4.shape as [number, number, number, number];
  const channels = input.shape[3];
  let y: tf.Tensor4D;
  if (groups === 1) {
    y = tf.conv2d(input, tf.transpose(w4, [2, 3, 1, 0]) as tf.Tensor4D, strides, 'valid', 'NHWC', dilations);
  } else if (groups === channels && perGroup === 1 && outChannels % channels === 0) {
    // Depthwise: weight [C·m, 1, kh, kw] → [kh, kw, C, m]; output channel c·m + j in both layouts.
    const filter = tf.transpose(tf.reshape(w4, [channels, outChannels / channels, kh, kw]), [2, 3, 0, 1]) as tf.Tensor4D;
    y = tf.depthwiseConv2d(input, filter, strides, 'valid', 'NHWC', dilations);
  } else {
    if (channels % groups !== 0 || outChannels % groups !== 0) c.fail(`group ${groups} does not divide ${channels} input and ${outChannels} output channels`);
    const xs = tf.split(input, groups, 3);
    const ws = tf.split(w4, groups, 0);
    y = tf.concat(xs.map((xg, g) => tf.conv2d(xg as tf.Tensor4D, tf.transpose(ws[g], [2, 3, 1, 0]) as tf.Tensor4D, strides, 'valid', 'NHWC', dilations)), 3);
  }
  const bias = v[2];
  if (bias) y = tf.add(y, bias);
  return back(toNchw(y));
}

function convTranspose(v: Value[], c: OpContext): tf.Tensor {
  const x = required(v, 0, c);
  const w = required(v, 1, c);
  if (x.rank !== 4) c.fail('only 2-D ConvTranspose is supported');
  if (c.int('group', 1) !== 1) c.fail('grouped ConvTranspose is not supported');
  const kernel = c.intList('kernel_shape') ?? w.shape.slice(2);
  const strides = c.intList('strides') ?? [1, 1];
  if ((c.intList('dilations') ?? [1, 1]).some((d) => d !== 1)) c.fail('dilated ConvTranspose is not supported');
  if (c.intList('output_shape') || c.str('auto_pad', 'NOTSET') !== 'NOTSET') c.fail('ConvTranspose with output_shape or auto_pad is not supported (give pads)');
  const pads = c.intList('pads') ?? [0, 0, 0, 0];
  const extra = c.intList('output_padding') ?? [0, 0];
  const [n, , h, wd] = x.shape as [number, number, number, number];
  const outChannels = w.shape[1]!;
  // The full ('valid') result, then ONNX's output_padding added at the end and its pads cut away.
  const full = [(h - 1) * strides[0] + kernel[0], (wd - 1) * strides[1] + kernel[1]];
  const filter = tf.transpose(w, [2, 3, 1, 0]) as tf.Tensor4D;
  let y = tf.conv2dTranspose(toNhwc(x), filter, [n, full[0], full[1], outChannels], strides as [number, number], 'valid');
  if (extra[0] || extra[1]) y = tf.pad(y, [[0, 0], [0, extra[0]], [0, extra[1]], [0, 0]]);
  y = tf.slice(y, [0, pads[0], pads[1], 0], [n, full[0] + extra[0] - pads[0] - pads[2], full[1] + extra[1] - pads[1] - pads[3], outChannels]);
  const bias = v[2];
  if (bias) y = tf.add(y, bias);
  return toNchw(y);
}

export const convOps: Record<string, OpSpec> = {
  Conv: { run: conv, matmul: true },
  ConvTranspose: { run: convTranspose, matmul: true },
};
