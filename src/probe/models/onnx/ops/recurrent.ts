// Recurrent layers as torch.onnx.export writes nn.LSTM, nn.GRU and nn.RNN: ONNX's LSTM, GRU and RNN ops, unrolled
// over time with ordinary ops, so autodiff reaches every weight and a NaN is probed at the layer that made it.
import * as tf from '@tensorflow/tfjs-core';
import type { OpContext, OpSpec, Value } from './types';
import { clampKeepingNaN, hardSigmoid, required, softsign } from './util';

type Activation = (x: tf.Tensor) => tf.Tensor;

/** ONNX's recurrent activations; `alpha`/`beta` say which take those arguments and their defaults. */
const ACTIVATIONS: Record<string, { alpha?: number; beta?: number; make: (alpha: number, beta: number) => Activation }> = {
  Sigmoid: { make: () => (x) => tf.sigmoid(x) },
  Tanh: { make: () => (x) => tf.tanh(x) },
  Relu: { make: () => (x) => tf.relu(x) },
  Softsign: { make: () => softsign },
  Softplus: { make: () => (x) => tf.softplus(x) },
  LeakyRelu: { alpha: 0.01, make: (a) => (x) => tf.leakyRelu(x, a) },
  ThresholdedRelu: { alpha: 1, make: (a) => (x) => tf.mul(x, tf.cast(tf.greater(x, a), 'float32')) },
  HardSigmoid: { alpha: 0.2, beta: 0.5, make: (a, b) => (x) => hardSigmoid(x, a, b) },
  Elu: { alpha: 1, make: (a) => (x) => tf.where(tf.greater(x, 0), x, tf.mul(tf.sub(tf.exp(tf.minimum(x, 0)), 1), a)) },
  Affine: { alpha: 1, beta: 0, make: (a, b) => (x) => tf.add(tf.mul(x, a), b) },
  ScaledTanh: { alpha: 1, beta: 1, make: (a, b) => (x) => tf.mul(tf.tanh(tf.mul(x, b)), a) },
};

/**
 * The activations of each direction: the `activations` attribute (names are case-insensitive), or the op's defaults.
 * `activation_alpha`/`activation_beta` are taken in order by the activations that use them.
 */
function activations(c: OpContext, defaults: string[], directions: number): Activation[][] {
  const given = c.attr('activations') as string[] | undefined;
  const names = given?.length ? given : Array.from({ length: directions }, () => defaults).flat();
  if (names.length !== defaults.length * directions) c.fail(`${names.length} activations given; it needs ${defaults.length} per direction`);
  const alphas = [...((c.attr('activation_alpha') as number[] | undefined) ?? [])];
  const betas = [...((c.attr('activation_beta') as number[] | undefined) ?? [])];
  const made = names.map((name) => {
    const key = Object.keys(ACTIVATIONS).find((k) => k.toLowerCase() === String(name).toLowerCase());
    if (!key) c.fail(`the recurrent activation '${name}' is not supported`);
    const spec = ACTIVATIONS[key];
    const alpha = spec.alpha === undefined ? 0 : (alphas.shift() ?? spec.alpha);
    const beta = spec.beta === undefined ? 0 : (betas.shift() ?? spec.beta);
    return spec.make(alpha, beta);
  });
  return Array.from({ length: directions }, (_, d) => made.slice(d * defaults.length, (d + 1) * defaults.length));
}

/** What every recurrent op shares: its inputs laid out as [direction][seq, batch, …], and how to lay out its outputs. */
interface Unrolled {
  directions: number;
  hidden: number;
  /** X as one [batch, input] tensor per time step. */
  steps: tf.Tensor2D[];
  batch: number;
  /** Per batch row, 1 while a step is inside that row's sequence length (sequence_lens), else undefined. */
  inside?: (t: number) => tf.Tensor2D;
  /** Whether direction d runs from the last step to the first. */
  reversed: (d: number) => boolean;
  /** The [batch, hidden] starting state of direction d from initial_h/initial_c (zeros when left out). */
  initial: (v: Value, d: number) => tf.Tensor2D;
  /** A value clipped to ±`clip` before its activation, when the attribute is set. */
  clipped: (x: tf.Tensor) => tf.Tensor;
  /** The outputs Y and the final states, in the node's layout, from each direction's per-step outputs. */
  outputs: (perDirection: tf.Tensor2D[][], finals: tf.Tensor2D[][]) => tf.Tensor[];
}

function unroll(v: Value[], c: OpContext, sequenceLensInput: number): Unrolled {
  const layout = c.int('layout', 0);
  let x = required(v, 0, c);
  if (x.rank !== 3) c.fail(`input X has rank ${x.rank}, not 3`);
  if (layout === 1) x = tf.transpose(x, [1, 0, 2]);
  const [seq, batch] = x.shape as number[];
  const direction = c.str('direction', 'forward');
  if (!['forward', 'reverse', 'bidirectional'].includes(direction)) c.fail(`direction '${direction}' is not supported`);
  const directions = direction === 'bidirectional' ? 2 : 1;
  const hidden = c.int('hidden_size', 0) || (required(v, 2, c).shape[2] as number);
  const steps = tf.unstack(x, 0) as tf.Tensor2D[];
  const lens = c.ints(v[sequenceLensInput]);
  const ragged = lens !== undefined && lens.some((n) => n !== seq);
  const clip = c.attr('clip') as number | undefined;
  return {
    directions,
    hidden,
    steps,
    batch,
    inside: ragged ? (t) => tf.tensor2d(lens!.map((n) => (t < n ? 1 : 0)), [batch, 1]) : undefined,
    reversed: (d) => direction === 'reverse' || d === 1,
    initial: (init, d) => {
      if (!init) return tf.zeros([batch, hidden]);
      const byDirection = layout === 1 ? tf.transpose(init, [1, 0, 2]) : init;
      return tf.squeeze(tf.slice(byDirection, [d, 0, 0], [1, batch, hidden]), [0]) as tf.Tensor2D;
    },
    clipped: (y) => (clip === undefined ? y : clampKeepingNaN(y, -clip, clip)),
    outputs: (perDirection, finals) => {
      // Y: [seq, directions, batch, hidden]; a ragged row's steps past its length are 0 (already masked by the caller).
      const y = tf.stack(perDirection.map((outs) => tf.stack(outs, 0)), 1);
      const states = finals.map((ofDirection) => tf.stack(ofDirection, 0));
      if (layout === 1) return [tf.transpose(y, [2, 0, 1, 3]), ...states.map((s) => tf.transpose(s, [1, 0, 2]))];
      return [y, ...states];
    },
  };
}

/** Gate `k` of a [directions, gates·hidden, n] weight (W or R) for direction d, transposed to [n, hidden]. */
function gateWeight(w: tf.Tensor, d: number, k: number, hidden: number): tf.Tensor2D {
  return tf.transpose(tf.squeeze(tf.slice(w, [d, k * hidden, 0], [1, hidden, w.shape[2]!]), [0])) as tf.Tensor2D;
}

/** Bias `k` of a [directions, 2·gates·hidden] B for direction d (the input bias Wb, or with `recurrent` Rb), or 0. */
function gateBias(b: Value, d: number, k: number, hidden: number, gates: number, recurrent = false): tf.Tensor | number {
  if (!b) return 0;
  return tf.squeeze(tf.slice(b, [d, (recurrent ? gates * hidden : 0) + k * hidden], [1, hidden]), [0]);
}

/**
 * Runs one direction step by step: `cell` maps (x_t, carried state) to the new state, whose first tensor is the
 * output H. Past a row's sequence length the state is held and the output is 0, as ONNX Runtime does.
 */
function scan(u: Unrolled, d: number, start: tf.Tensor2D[], cell: (x: tf.Tensor2D, state: tf.Tensor2D[]) => tf.Tensor2D[]): { outs: tf.Tensor2D[]; final: tf.Tensor2D[] } {
  const order = [...u.steps.keys()];
  if (u.reversed(d)) order.reverse();
  const outs: tf.Tensor2D[] = new Array(u.steps.length);
  let state = start;
  for (const t of order) {
    let next = cell(u.steps[t], state);
    let out = next[0];
    const inside = u.inside?.(t);
    if (inside) {
      next = next.map((s, i) => tf.add(tf.mul(s, inside), tf.mul(state[i], tf.sub(1, inside))) as tf.Tensor2D);
      out = tf.mul(out, inside) as tf.Tensor2D;
    }
    outs[t] = out;
    state = next;
  }
  return { outs, final: state };
}

/** x·Wᵀ + h·Rᵀ + Wb + Rb for one gate. */
function preactivation(x: tf.Tensor2D, h: tf.Tensor2D, w: tf.Tensor2D, r: tf.Tensor2D, wb: tf.Tensor | number, rb: tf.Tensor | number): tf.Tensor {
  return tf.add(tf.add(tf.matMul(x, w), tf.matMul(h, r)), tf.add(wb, rb));
}

/** LSTM, gates in ONNX's order i, o, f, c (PyTorch's i, f, g, o is reordered by the exporter before the node). */
function lstm(v: Value[], c: OpContext): tf.Tensor[] {
  if (c.int('input_forget', 0) !== 0) c.fail('input_forget=1 (coupled input and forget gates) is not supported');
  const u = unroll(v, c, 4);
  const [W, R] = [required(v, 1, c), required(v, 2, c)];
  const [B, P] = [v[3], v[7]];
  const acts = activations(c, ['Sigmoid', 'Tanh', 'Tanh'], u.directions);
  const runs = Array.from({ length: u.directions }, (_, d) => {
    const [f, g, h] = acts[d];
    const w = [0, 1, 2, 3].map((k) => gateWeight(W, d, k, u.hidden));
    const r = [0, 1, 2, 3].map((k) => gateWeight(R, d, k, u.hidden));
    const wb = [0, 1, 2, 3].map((k) => gateBias(B, d, k, u.hidden, 4));
    const rb = [0, 1, 2, 3].map((k) => gateBias(B, d, k, u.hidden, 4, true));
    const peep = (k: number, cell: tf.Tensor) => (P ? tf.mul(tf.squeeze(tf.slice(P, [d, k * u.hidden], [1, u.hidden]), [0]), cell) : 0);
    const gate = (k: number, x: tf.Tensor2D, hPrev: tf.Tensor2D) => preactivation(x, hPrev, w[k], r[k], wb[k], rb[k]);
    return scan(u, d, [u.initial(v[5], d), u.initial(v[6], d)], (x, [hPrev, cPrev]) => {
      const i = f(u.clipped(tf.add(gate(0, x, hPrev), peep(0, cPrev))));
      const fg = f(u.clipped(tf.add(gate(2, x, hPrev), peep(2, cPrev))));
      const candidate = g(u.clipped(gate(3, x, hPrev)));
      const cNext = tf.add(tf.mul(fg, cPrev), tf.mul(i, candidate)) as tf.Tensor2D;
      const o = f(u.clipped(tf.add(gate(1, x, hPrev), peep(1, cNext))));
      return [tf.mul(o, h(cNext)) as tf.Tensor2D, cNext];
    });
  });
  return u.outputs(runs.map((r) => r.outs), [runs.map((r) => r.final[0]), runs.map((r) => r.final[1])]);
}

/** GRU, gates z, r, h; linear_before_reset=1 (PyTorch's nn.GRU) applies the reset gate after the recurrent product. */
function gru(v: Value[], c: OpContext): tf.Tensor[] {
  const u = unroll(v, c, 4);
  const [W, R, B] = [required(v, 1, c), required(v, 2, c), v[3]];
  const linearBeforeReset = c.int('linear_before_reset', 0) !== 0;
  const acts = activations(c, ['Sigmoid', 'Tanh'], u.directions);
  const runs = Array.from({ length: u.directions }, (_, d) => {
    const [f, g] = acts[d];
    const w = [0, 1, 2].map((k) => gateWeight(W, d, k, u.hidden));
    const r = [0, 1, 2].map((k) => gateWeight(R, d, k, u.hidden));
    const wb = [0, 1, 2].map((k) => gateBias(B, d, k, u.hidden, 3));
    const rb = [0, 1, 2].map((k) => gateBias(B, d, k, u.hidden, 3, true));
    return scan(u, d, [u.initial(v[5], d)], (x, [hPrev]) => {
      const z = f(u.clipped(preactivation(x, hPrev, w[0], r[0], wb[0], rb[0])));
      const reset = f(u.clipped(preactivation(x, hPrev, w[1], r[1], wb[1], rb[1])));
      const recurrent = linearBeforeReset
        ? tf.mul(reset, tf.add(tf.matMul(hPrev, r[2]), rb[2]))
        : tf.add(tf.matMul(tf.mul(reset, hPrev) as tf.Tensor2D, r[2]), rb[2]);
      const candidate = g(u.clipped(tf.add(tf.add(tf.matMul(x, w[2]), wb[2]), recurrent)));
      return [tf.add(tf.mul(tf.sub(1, z), candidate), tf.mul(z, hPrev)) as tf.Tensor2D];
    });
  });
  return u.outputs(runs.map((r) => r.outs), [runs.map((r) => r.final[0])]);
}

/** The plain RNN: H = f(x·Wᵀ + h·Rᵀ + Wb + Rb), Tanh by default (nn.RNN's nonlinearity='relu' exports Relu). */
function rnn(v: Value[], c: OpContext): tf.Tensor[] {
  const u = unroll(v, c, 4);
  const [W, R, B] = [required(v, 1, c), required(v, 2, c), v[3]];
  const acts = activations(c, ['Tanh'], u.directions);
  const runs = Array.from({ length: u.directions }, (_, d) => {
    const [w, r] = [gateWeight(W, d, 0, u.hidden), gateWeight(R, d, 0, u.hidden)];
    const [wb, rb] = [gateBias(B, d, 0, u.hidden, 1), gateBias(B, d, 0, u.hidden, 1, true)];
    return scan(u, d, [u.initial(v[5], d)], (x, [hPrev]) => [acts[d][0](u.clipped(preactivation(x, hPrev, w, r, wb, rb))) as tf.Tensor2D]);
  });
  return u.outputs(runs.map((r) => r.outs), [runs.map((r) => r.final[0])]);
}

// sequence_lens (input 5, index 4) is a length per row, read on the host: no gradient flows through it.
const DATA = [0, 1, 2, 3, 5, 6, 7];

export const recurrentOps: Record<string, OpSpec> = {
  LSTM: { run: lstm, matmul: true, data: DATA },
  GRU: { run: gru, matmul: true, data: DATA },
  RNN: { run: rnn, matmul: true, data: DATA },
};
