// Loads a JS module exporting createModel() (and optionally sampleBatch()); it runs user code, so only in trusted workspaces.
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import type { ModelBatch } from './types';

export interface ModelModule {
  model: tfl.LayersModel;
  sampleBatch?: () => ModelBatch;
  loss?: 'mse' | 'cross-entropy';
  batchSize?: number;
  /** Frees the sample batch kept for the run. */
  disposeBatch(): void;
}

const asTensor = (v: unknown): tf.Tensor => (v instanceof tf.Tensor ? v : tf.tensor(v as number[]));

export async function loadModelModule(path: string, allowCode: boolean | undefined): Promise<ModelModule> {
  if (!allowCode) {
    throw new Error(`${path}: a JS model module runs code from the workspace; it is only loaded in a trusted workspace (trust the workspace with Workspaces: Manage Workspace Trust, or run nan-doctor probe from a terminal)`);
  }
  const file = resolve(path);
  let mod: Record<string, unknown>;
  try {
    mod = createRequire(file)(file) as Record<string, unknown>;
  } catch (err) {
    throw new Error(`${path}: cannot load the module (${(err as Error).message.split('\n')[0]})`);
  }
  const exported = (mod.createModel ? mod : (mod.default as Record<string, unknown> | undefined)) ?? mod;
  const create = exported.createModel;
  if (typeof create !== 'function') throw new Error(`${path}: the module does not export createModel()`);
  // The module gets this process's TensorFlow.js, so its tensors live on the replay's backend.
  const model = (await create({ tf, tfl })) as tfl.LayersModel;
  if (!model || typeof model !== 'object' || !('layers' in model) || typeof model.apply !== 'function') {
    throw new Error(`${path}: createModel() must return a TensorFlow.js layers model (tf.sequential() or tf.model())`);
  }
  const sample = exported.sampleBatch;
  let cached: ModelBatch | undefined;
  const sampleBatch =
    typeof sample === 'function'
      ? (): ModelBatch => {
          if (!cached) {
            const b = sample({ tf, tfl }) as { x: unknown; y: unknown };
            if (!b || b.x === undefined || b.y === undefined) throw new Error(`${path}: sampleBatch() must return { x, y }`);
            cached = { x: tf.keep(asTensor(b.x)), y: tf.keep(asTensor(b.y)) };
          }
          return cached;
        }
      : undefined;
  const loss = exported.loss === 'mse' || exported.loss === 'cross-entropy' ? exported.loss : undefined;
  const disposeBatch = (): void => {
    cached?.x.dispose();
    cached?.y.dispose();
    cached = undefined;
  };
  return { model, sampleBatch, loss, batchSize: typeof exported.batchSize === 'number' ? exported.batchSize : undefined, disposeBatch };
}
