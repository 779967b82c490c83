// The batch of a model that reads named inputs (an ONNX training step): one array per input from .npz or .npy, or
// float inputs drawn at their declared shapes. The same batch every iteration, as the graph's shapes are fixed.
import * as tf from '@tensorflow/tfjs-core';
import type { LossModel, ModelInput, NamedBatch } from '../models/types';
import { createRandom, fillNormal } from '../random';
import type { BatchSource, DataOptions } from './batches';
import { parseNpy, type NpyArray } from './npy';
import { parseNpz } from './npz';
import { readBytes } from './read';

const shapeText = (shape: (number | null)[]): string => `[${shape.map((d) => d ?? '?').join(', ')}]`;

function arraysOf(data: string, model: LossModel): Map<string, NpyArray> {
  if (data.endsWith('.npz')) return parseNpz(readBytes(data), data);
  if (data.endsWith('.npy')) {
    if (model.inputs.length !== 1) throw new Error(`${data}: a .npy file holds one array, but the graph has inputs ${model.inputs.map((i) => i.name).join(', ')}: give a .npz with one array per input`);
    return new Map([[model.inputs[0].name, parseNpy(readBytes(data), data)]]);
  }
  throw new Error(`${data}: data for a graph with named inputs must be a .npz (one array per input) or a .npy (a single input)`);
}

/** The array's values as the input's tensor, after checking its shape against the declared one. */
function inputTensor(input: ModelInput, a: NpyArray, file: string): tf.Tensor {
  const declared = input.shape;
  if (declared.length !== a.shape.length || declared.some((d, i) => d !== null && d !== a.shape[i])) {
    throw new Error(`${file}: ${input.name} has shape [${a.shape.join(', ')}], the graph declares ${shapeText(declared)}`);
  }
  if (a.data.length === 0) throw new Error(`no samples in ${file} (${input.name} of shape [${a.shape.join(', ')}])`);
  if (input.dtype === 'float32') return tf.tensor(a.data, a.shape, 'float32');
  const bad = a.data.find((v) => !Number.isInteger(v));
  if (bad !== undefined) throw new Error(`${file}: ${input.name} is an integer input, but holds ${bad}`);
  return tf.tensor(Int32Array.from(a.data), a.shape, input.dtype);
}

export function createGraphBatchSource(data: string | undefined, model: LossModel, o: DataOptions & { source?: string }): BatchSource {
  const kept: NamedBatch = {};
  try {
    if (data === undefined || data.startsWith('synthetic')) {
      const drawn = model.inputs.filter((i) => i.dtype !== 'float32');
      if (drawn.length) {
        throw new Error(`${o.source ?? model.name}: the integer input${drawn.length > 1 ? 's' : ''} ${drawn.map((i) => i.name).join(', ')} (labels, token ids) cannot be drawn at random; give ${drawn.length > 1 ? 'them' : 'it'} with --data FILE.npz (one array per input, by name)`);
      }
      const scale = o.inputScale ?? 1;
      const rng = createRandom(o.seed + 1);
      for (const input of model.inputs) {
        // An open dimension is the batch's when it leads, else 1.
        const shape = input.shape.map((d, i) => d ?? (i === 0 ? (o.batchSize ?? 2) : 1));
        kept[input.name] = tf.keep(tf.tensor(fillNormal(rng, shape.reduce((a, b) => a * b, 1), scale), shape, 'float32'));
      }
      return { description: `synthetic inputs (scale ${scale})`, batch: () => cloneAll(kept), dispose: () => disposeAll(kept) };
    }
    const arrays = arraysOf(data, model);
    const missing = model.inputs.filter((i) => !arrays.has(i.name)).map((i) => i.name);
    if (missing.length) throw new Error(`${data}: no array for the graph input${missing.length > 1 ? 's' : ''} ${missing.join(', ')} (it holds ${[...arrays.keys()].join(', ')})`);
    for (const input of model.inputs) kept[input.name] = tf.keep(inputTensor(input, arrays.get(input.name)!, data));
  } catch (err) {
    disposeAll(kept);
    throw err;
  }
  return { description: data, batch: () => cloneAll(kept), dispose: () => disposeAll(kept) };
}

function cloneAll(batch: NamedBatch): NamedBatch {
  return Object.fromEntries(Object.entries(batch).map(([k, t]) => [k, t.clone()]));
}

function disposeAll(batch: NamedBatch): void {
  for (const t of Object.values(batch)) t.dispose();
}
