// Wraps a TensorFlow.js layers model (from model.json, Keras JSON or a JS module) as a chain of probed layers.
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { castTo } from '../replay/precision';
import { createRandom, fillUniform } from '../random';
import type { ModelBatch, ProbeLayer, ChainModel, ProbeParam } from './types';

// Autocast runs these in fp16; everything else (norms, activations, pooling) stays fp32.
const MATMUL_LAYERS = new Set(['Dense', 'Conv1D', 'Conv2D', 'Conv3D', 'DepthwiseConv2D', 'SeparableConv2D', 'Conv2DTranspose', 'Conv3DTranspose']);

type AnyLayer = tfl.layers.Layer;

function paramsOf(layer: AnyLayer): ProbeParam[] {
  const castable = MATMUL_LAYERS.has(layer.getClassName());
  return layer.trainableWeights.map((w) => ({ name: w.originalName ?? w.name, variable: w.read() as tf.Variable, castable }));
}

/** The model's layers in order when each one feeds only the next, else null (a branching graph). */
function chainOf(model: tfl.LayersModel): AnyLayer[] | null {
  const layers = model.layers.filter((l) => l.getClassName() !== 'InputLayer');
  for (let i = 0; i < layers.length; i++) {
    const nodes = layers[i].inboundNodes;
    if (nodes.length !== 1 || nodes[0].inboundLayers.length > 1) return null;
    const from = nodes[0].inboundLayers[0];
    const expected = i === 0 ? undefined : layers[i - 1];
    if (expected ? from !== expected : from && from.getClassName() !== 'InputLayer') return null;
  }
  return layers;
}

function lastActivation(model: tfl.LayersModel): string | undefined {
  const last = model.layers[model.layers.length - 1];
  const config = last.getConfig() as { activation?: unknown };
  return last.getClassName() === 'Softmax' ? 'softmax' : typeof config.activation === 'string' ? config.activation : undefined;
}

function knownShape(shape: (number | null)[], what: string, source: string): number[] {
  const rest = shape.slice(1);
  if (rest.some((d) => d === null)) throw new Error(`${source}: the model's ${what} shape [${shape.join(', ')}] has unknown dimensions besides the batch; give it a fixed shape`);
  return rest as number[];
}

/** Re-draws kernels with a seeded Glorot-uniform (Keras' default) and zero biases, so every re-run starts from the same weights. */
export function reinitializeSeeded(model: tfl.LayersModel, seed: number): void {
  const rng = createRandom(seed);
  for (const layer of model.layers) {
    for (const w of layer.trainableWeights) {
      const v = w.read() as tf.Variable;
      const shape = v.shape;
      const name = w.originalName ?? w.name;
      if (/bias$/.test(name)) {
        tf.tidy(() => v.assign(tf.zeros(shape)));
      } else if (shape.length >= 2 && /(kernel|embeddings)$/.test(name)) {
        const receptive = shape.slice(0, -2).reduce((a, b) => a * b, 1);
        const fanIn = shape[shape.length - 2] * receptive;
        const fanOut = shape[shape.length - 1] * receptive;
        const limit = Math.sqrt(6 / (fanIn + fanOut));
        tf.tidy(() => v.assign(tf.tensor(fillUniform(rng, v.size, limit), shape)));
      }
    }
  }
}

export function wrapLayersModel(
  model: tfl.LayersModel,
  o: { source: string; loss?: 'mse' | 'cross-entropy'; sampleBatch?: () => ModelBatch; batchSize?: number },
): ChainModel {
  if (model.inputs.length !== 1 || model.outputs.length !== 1) throw new Error(`${o.source}: only models with one input and one output can be replayed`);
  const inputShape = knownShape(model.inputs[0].shape, 'input', o.source);
  const outputShape = knownShape(model.outputs[0].shape, 'output', o.source);
  const softmax = lastActivation(model) === 'softmax';
  const prefix = model.name;
  const chain = chainOf(model);
  const layers: ProbeLayer[] = chain
    ? chain.map((layer) => {
        const params = paramsOf(layer);
        const castable = MATMUL_LAYERS.has(layer.getClassName());
        return {
          name: `${prefix}/${layer.name}`,
          params,
          apply(x, ctx) {
            const input = castable ? castTo(x, ctx.matmul) : x;
            const y = layer.apply(input, { training: ctx.training }) as tf.Tensor;
            return castTo(y, castable ? ctx.matmul : ctx.other);
          },
        };
      })
    : // A branching graph is probed as one layer: its output, and its parameters as one group.
      [
        {
          name: prefix,
          params: model.layers.flatMap(paramsOf),
          apply: (x, ctx) => castTo(model.apply(x, { training: ctx.training }) as tf.Tensor, ctx.other),
        },
      ];
  const loss = o.loss ?? (softmax ? 'cross-entropy' : 'mse');
  return {
    name: prefix,
    layers,
    inputShape,
    outputShape,
    loss,
    outputsProbabilities: softmax,
    batchSize: o.batchSize ?? 4,
    inputScale: 1,
    targetScale: 1,
    sampleBatch: o.sampleBatch,
    dispose: () => model.dispose(),
  };
}
