// Loads layers models from files: a TF.js model.json with its weight shards (read with fs), or a Keras model JSON.
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { isKeras3, keras3ToKeras2 } from './keras3';

export function readJsonFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  try {
    const json = JSON.parse(text) as unknown;
    if (!json || typeof json !== 'object' || Array.isArray(json)) throw new Error('not a JSON object');
    return json as Record<string, unknown>;
  } catch (err) {
    throw new Error(`${file}: not a model JSON (${(err as Error).message})`);
  }
}

/** A file:// IO handler with fs, since tfjs-node's file handler is not available here. */
export function fileModelHandler(file: string, json: Record<string, unknown>): tf.io.IOHandler {
  return {
    load: async (): Promise<tf.io.ModelArtifacts> => {
      const manifest = (json.weightsManifest ?? []) as tf.io.WeightsManifestConfig;
      const specs: tf.io.WeightsManifestEntry[] = [];
      const shards: Buffer[] = [];
      for (const group of manifest) {
        specs.push(...group.weights);
        for (const path of group.paths) {
          const shard = resolve(dirname(file), decodeURIComponent(path));
          try {
            shards.push(readFileSync(shard));
          } catch (err) {
            throw new Error(`${file}: weight file ${path} cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
          }
        }
      }
      const all = Buffer.concat(shards);
      const weightData = all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength) as ArrayBuffer;
      return {
        modelTopology: json.modelTopology as tf.io.ModelArtifacts['modelTopology'],
        weightSpecs: specs,
        weightData,
        format: json.format as string | undefined,
        generatedBy: json.generatedBy as string | undefined,
        convertedBy: json.convertedBy as string | null | undefined,
      };
    },
  };
}

export type ModelFileKind = 'tfjs-layers' | 'keras' | 'tfjs-graph';

export function modelFileKind(json: Record<string, unknown>): ModelFileKind | null {
  if (json.format === 'graph-model') return 'tfjs-graph';
  if (json.modelTopology && (json.format === 'layers-model' || json.weightsManifest || json.format === undefined)) return 'tfjs-layers';
  if (typeof json.class_name === 'string' && json.config && typeof json.config === 'object') return 'keras';
  return null;
}

export async function loadModelFile(file: string): Promise<{ model: tfl.LayersModel; kind: ModelFileKind; hasWeights: boolean }> {
  const json = readJsonFile(file);
  const kind = modelFileKind(json);
  if (kind === 'tfjs-graph') throw new Error(`${file}: a TF.js graph model (converted SavedModel) has no trainable layers; export a layers model or the Keras model's to_json()`);
  if (kind === null) throw new Error(`${file}: neither a TF.js model.json (modelTopology) nor a Keras model JSON (class_name, config)`);
  try {
    if (kind === 'tfjs-layers') {
      const model = await tfl.loadLayersModel(fileModelHandler(file, json));
      return { model, kind, hasWeights: Array.isArray(json.weightsManifest) && json.weightsManifest.length > 0 };
    }
    const topology = isKeras3(json) ? keras3ToKeras2(json) : json;
    const model = await tfl.models.modelFromJSON({ modelTopology: topology } as tfl.ModelAndWeightsConfig);
    return { model, kind, hasWeights: false };
  } catch (err) {
    const msg = (err as Error).message;
    throw new Error(msg.startsWith(file) ? msg : `${file}: TensorFlow.js could not build the model (${msg})`);
  }
}
