// Matrix products: MatMul (NumPy semantics, batch broadcasting), Gemm, Einsum (as broadcast products and sums).
import * as tf from '@tensorflow/tfjs-core';
import { checkedSize } from '../limits';
import type { OpContext, OpSpec, Value } from './types';
import { broadcastShape, broadcastTo, required } from './util';

/**
 * MatMul with NumPy semantics. TensorFlow.js's batched matmul reduces no gradient over broadcast batch axes, so a
 * weight matrix is met by folding the activations' batch axes into rows, and other batch shapes are broadcast first.
 */
function matMul(v: Value[], c: OpContext): tf.Tensor {
  let a = required(v, 0, c);
  let b = required(v, 1, c);
  // A 1-D operand is a row (left) or a column (right) whose unit axis is dropped afterwards.
  const dropA = a.rank === 1;
  const dropB = b.rank === 1;
  if (dropA) a = tf.expandDims(a, 0);
  if (dropB) b = tf.expandDims(b, 1);
  let y: tf.Tensor;
  if (b.rank === 2 && a.rank > 2) {
    const lead = a.shape.slice(0, -1);
    y = tf.reshape(tf.matMul(tf.reshape(a, [-1, a.shape[a.rank - 1]!]) as tf.Tensor2D, b as tf.Tensor2D), [...lead, b.shape[1]!]);
  } else {
    const batch = broadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2), c);
    y = tf.matMul(broadcastTo(a, [...batch, ...a.shape.slice(-2)]), broadcastTo(b, [...batch, ...b.shape.slice(-2)]));
  }
  if (dropA) y = tf.squeeze(y, [y.rank - 2]);
  if (dropB) y = tf.squeeze(y, [y.rank - 1]);
  return y;
}

function gemm(v: Value[], c: OpContext): tf.Tensor {
  const a = required(v, 0, c) as tf.Tensor2D;
  const b = required(v, 1, c) as tf.Tensor2D;
  const alpha = c.float('alpha', 1);
  const beta = c.float('beta', 1);
  let y = tf.matMul(a, b, c.int('transA', 0) === 1, c.int('transB', 0) === 1);
  if (alpha !== 1) y = tf.mul(y, alpha);
  const bias = v[2];
  if (bias && beta !== 0) y = tf.add(y, beta === 1 ? bias : tf.mul(bias, beta));
  return y;
}

/**
 * Einsum without diagonals or ellipses: each operand's axes are laid out in one joint order (output letters,
 * then summed ones), broadcast-multiplied and summed over the letters the output drops. Differentiable by construction.
 */
function einsum(v: Value[], c: OpContext): tf.Tensor {
  const equation = c.str('equation', '').replace(/\s+/g, '');
  const operands = v.filter((t): t is tf.Tensor => t !== undefined);
  const [lhs, rhsGiven] = equation.split('->');
  const terms = lhs.split(',');
  if (equation.includes('.') || terms.length !== operands.length) c.fail(`equation '${equation}' is not supported (no ellipsis; one term per input)`);
  const sizes = new Map<string, number>();
  terms.forEach((term, i) => {
    if (new Set(term).size !== term.length) c.fail(`equation '${equation}': a repeated index within one input (a diagonal) is not supported`);
    if (term.length !== operands[i].rank) c.fail(`equation '${equation}': input ${i + 1} has rank ${operands[i].rank}, not ${term.length}`);
    [...term].forEach((letter, k) => sizes.set(letter, Math.max(sizes.get(letter) ?? 1, operands[i].shape[k])));
  });
  // Without '->', the output is every letter that appears once, in alphabetical order.
  const rhs = rhsGiven ?? [...sizes.keys()].filter((l) => lhs.split(l).length === 2).sort().join('');
  const order = [...rhs, ...[...sizes.keys()].filter((l) => !rhs.includes(l))];
  checkedSize(order.map((l) => sizes.get(l)!), `Einsum ${equation} at node ${c.node.name}`);
  const aligned = operands.map((t, i) => {
    const term = terms[i];
    const present = order.filter((l) => term.includes(l));
    const moved = tf.transpose(t, present.map((l) => term.indexOf(l)));
    return tf.reshape(moved, order.map((l) => (term.includes(l) ? t.shape[term.indexOf(l)] : 1)));
  });
  const product = aligned.reduce((a, b) => tf.mul(a, b));
  const summed = order.map((_, i) => i).filter((i) => i >= rhs.length);
  return summed.length ? tf.sum(product, summed) : product;
}

export const matmulOps: Record<string, OpSpec> = {
  MatMul: { run: matMul, matmul: true },
  Gemm: { run: gemm, matmul: true },
  Einsum: { run: einsum, matmul: true },
};
