// The batches a replay trains on: .npy files, JSON arrays, a model's own sample batch, or synthetic by shape and scale.
import * as tf from '@tensorflow/tfjs-core';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { parseNpy } from './npy';
import { parseNpz } from './npz';
import { readBytes } from './read';
import { createRandom, fillNormal } from '../random';
import type { ChainModel, NamedBatch } from '../models/types';

interface Samples {
  /** Per-sample shape. */
  shape: number[];
  data: Float32Array;
  count: number;
}

export interface BatchSource {
  /** Where the batches come from, for the report. */
  description: string;
  /** The batch of iteration `it` (1-based); the caller disposes the tensors. */
  batch(it: number): NamedBatch;
  /** Frees tensors the source keeps across iterations. */
  dispose?(): void;
}

export interface DataOptions {
  batchSize?: number;
  seed: number;
  /** Overrides the model's synthetic input scale (e.g. input_scale in the hyperparameters). */
  inputScale?: number;
  targetScale?: number;
}

const size = (shape: number[]): number => shape.reduce((a, b) => a * b, 1);

function readNpy(file: string): { shape: number[]; data: Float32Array } {
  return parseNpy(readBytes(file), file);
}

/** JSON numbers plus the NaN / Infinity tokens Python's json.dump writes and "nan"/"inf" strings. */
function readJsonNumbers(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  const quoted = text.replace(/(-?)\b(NaN|Infinity)\b/g, (_m, sign: string, word: string) => `"${sign}${word}"`);
  try {
    return JSON.parse(quoted);
  } catch (err) {
    throw new Error(`${file}: not valid JSON (${(err as Error).message})`);
  }
}

function toNumber(v: unknown, file: string): number {
  if (typeof v === 'number') return v;
  if (v === null) return NaN;
  if (typeof v === 'string') {
    const s = v.trim().toLowerCase();
    if (s === 'nan') return NaN;
    if (s === 'inf' || s === 'infinity' || s === '+inf') return Infinity;
    if (s === '-inf' || s === '-infinity') return -Infinity;
    const n = Number(s);
    if (s !== '' && !Number.isNaN(n)) return n;
  }
  throw new Error(`${file}: ${JSON.stringify(v)} is not a number`);
}

function nestedToArray(value: unknown, file: string): { shape: number[]; data: Float32Array } {
  const shape: number[] = [];
  for (let v = value; Array.isArray(v); v = v[0]) shape.push(v.length);
  const flat: number[] = [];
  const walk = (v: unknown, depth: number): void => {
    if (depth === shape.length) {
      flat.push(toNumber(v, file));
      return;
    }
    if (!Array.isArray(v) || v.length !== shape[depth]) throw new Error(`${file}: ragged array (expected length ${shape[depth]} at depth ${depth})`);
    for (const item of v) walk(item, depth + 1);
  };
  walk(value, 0);
  return { shape, data: Float32Array.from(flat) };
}

/** Splits an array into samples of the model's per-sample shape (the first axis is the sample axis). */
function asSamples(a: { shape: number[]; data: Float32Array }, sampleShape: number[], what: string, file: string): Samples {
  // Training on an empty array would train on the zeros of an empty batch and call that finite.
  if (a.data.length === 0) throw new Error(`no samples in ${file} (${what} of shape [${a.shape.join(', ')}])`);
  const per = size(sampleShape);
  if (a.shape.length === sampleShape.length && size(a.shape) === per) return { shape: sampleShape, data: a.data, count: 1 };
  if (per === 0 || a.data.length % per !== 0 || size(a.shape.slice(1)) !== per) {
    throw new Error(`${file}: ${what} of shape [${a.shape.join(', ')}] does not fit the model's [N, ${sampleShape.join(', ')}]`);
  }
  return { shape: sampleShape, data: a.data, count: a.data.length / per };
}

function targetSamples(a: { shape: number[]; data: Float32Array }, model: ChainModel, file: string): Samples {
  const classes = model.outputShape[model.outputShape.length - 1];
  // Class indices (shape [N]) become one-hot rows for cross-entropy.
  if (model.loss === 'cross-entropy' && a.shape.length === 1 && model.outputShape.length === 1 && classes > 1) {
    const data = new Float32Array(a.data.length * classes);
    a.data.forEach((label, i) => {
      if (!Number.isInteger(label) || label < 0 || label >= classes) throw new Error(`${file}: label ${label} is not a class index below ${classes}`);
      data[i * classes + label] = 1;
    });
    return { shape: model.outputShape, data, count: a.data.length };
  }
  return asSamples(a, model.outputShape, 'targets', file);
}

function synthetic(shape: number[], count: number, scale: number, seed: number): Samples {
  return { shape, data: fillNormal(createRandom(seed), count * size(shape), scale), count };
}

function syntheticTargets(model: ChainModel, count: number, scale: number, seed: number): Samples {
  if (model.loss !== 'cross-entropy') return synthetic(model.outputShape, count, scale, seed);
  const classes = model.outputShape[model.outputShape.length - 1]!;
  const rng = createRandom(seed);
  // One one-hot row per position: a sequence output ([tokens, vocabulary]) has a class for every token.
  const rows = (count * size(model.outputShape)) / classes;
  const data = new Float32Array(rows * classes);
  for (let i = 0; i < rows; i++) data[i * classes + Math.floor(rng.uniform() * classes)] = 1;
  return { shape: model.outputShape, data, count };
}

/** Parses 'synthetic[:scale=S,target_scale=T,batch=B]'. */
function syntheticOptions(spec: string): Record<string, number> {
  const out: Record<string, number> = {};
  const rest = spec.slice('synthetic'.length).replace(/^:/, '');
  for (const part of rest.split(',').filter(Boolean)) {
    const [k, v] = part.split('=');
    const n = Number(v);
    if (!k || !Number.isFinite(n)) throw new Error(`data ${spec}: expected synthetic:scale=S,target_scale=T,batch=B`);
    out[k.trim()] = n;
  }
  return out;
}

function loadFiles(data: string, model: ChainModel): { x: Samples; y: Samples | null } {
  let file = data;
  if (existsSync(file) && statSync(file).isDirectory()) {
    const x = ['x.npy', 'inputs.npy'].map((n) => join(data, n)).find(existsSync);
    if (!x) throw new Error(`${data}: a data folder needs x.npy (and optionally y.npy)`);
    file = x;
  }
  if (file.endsWith('.npy')) {
    const x = asSamples(readNpy(file), model.inputShape, 'inputs', file);
    const name = basename(file);
    const pairs: Record<string, string> = { 'x.npy': 'y.npy', 'inputs.npy': 'targets.npy' };
    const yName = pairs[name] ?? name.replace(/\.npy$/, '.targets.npy');
    const yFile = join(dirname(file), yName);
    return { x, y: existsSync(yFile) ? targetSamples(readNpy(yFile), model, yFile) : null };
  }
  if (file.endsWith('.npz')) {
    const arrays = parseNpz(readBytes(file), file);
    const pick = (names: string[]) => names.map((n) => arrays.get(n)).find((a) => a !== undefined);
    const xs = pick(['x', 'inputs']);
    if (!xs) throw new Error(`${file}: expected an array named x (or inputs), and optionally y (or targets, labels); it holds ${[...arrays.keys()].join(', ')}`);
    const ys = pick(['y', 'targets', 'labels']);
    return { x: asSamples(xs, model.inputShape, 'inputs', file), y: ys ? targetSamples(ys, model, file) : null };
  }
  if (file.endsWith('.json')) {
    const json = readJsonNumbers(file);
    if (Array.isArray(json)) return { x: asSamples(nestedToArray(json, file), model.inputShape, 'inputs', file), y: null };
    if (json && typeof json === 'object') {
      const o = json as Record<string, unknown>;
      const xs = o.x ?? o.inputs;
      const ys = o.y ?? o.targets ?? o.labels;
      if (!Array.isArray(xs)) throw new Error(`${file}: expected an array of inputs or an object with "x" (and "y")`);
      return {
        x: asSamples(nestedToArray(xs, file), model.inputShape, 'inputs', file),
        y: Array.isArray(ys) ? targetSamples(nestedToArray(ys, file), model, file) : null,
      };
    }
    throw new Error(`${file}: expected an array of inputs or an object with "x" (and "y")`);
  }
  throw new Error(`${data}: data must be a .npy or .npz file, a folder with x.npy, a .json file or synthetic:… (got neither)`);
}

function take(s: Samples, it: number, batch: number): tf.Tensor {
  const per = size(s.shape);
  const out = new Float32Array(batch * per);
  const start = (it - 1) * batch;
  for (let b = 0; b < batch; b++) {
    const i = (start + b) % s.count;
    out.set(s.data.subarray(i * per, (i + 1) * per), b * per);
  }
  return tf.tensor(out, [batch, ...s.shape], 'float32');
}

export function createBatchSource(data: string | undefined, model: ChainModel, o: DataOptions): BatchSource {
  if (!data && model.sampleBatch) {
    const sample = model.sampleBatch;
    return {
      description: 'the model module’s sampleBatch()',
      batch: () => {
        const b = sample();
        return { x: b.x.clone(), y: b.y.clone() };
      },
    };
  }
  let batchSize = o.batchSize ?? model.batchSize;
  let x: Samples;
  let y: Samples | null;
  let description: string;
  if (!data || data.startsWith('synthetic')) {
    const opts = data ? syntheticOptions(data) : {};
    batchSize = opts.batch ?? batchSize;
    x = synthetic(model.inputShape, batchSize, opts.scale ?? o.inputScale ?? model.inputScale, o.seed + 1);
    y = null;
    description = `synthetic inputs (scale ${opts.scale ?? o.inputScale ?? model.inputScale})`;
    if (opts.target_scale !== undefined) y = syntheticTargets(model, batchSize, opts.target_scale, o.seed + 2);
  } else {
    ({ x, y } = loadFiles(data, model));
    description = data;
  }
  if (x.count === 0) throw new Error(`no samples in ${data ?? 'the synthetic data'}`);
  const targets = y ?? syntheticTargets(model, x.count, o.targetScale ?? model.targetScale, o.seed + 2);
  if (targets.count !== x.count) throw new Error(`${data}: ${x.count} inputs but ${targets.count} targets`);
  const batch = Math.max(1, Math.min(batchSize, x.count));
  return { description, batch: (it) => ({ x: take(x, it, batch), y: take(targets, it, batch) }) };
}
