// Loads the model a probe spec names: builtin:NAME, a TF.js model.json, a Keras model JSON, or a JS module.
import { createBuiltin } from './builtin';
import type { ProbeModel } from './types';

export type { ProbeModel, ProbeLayer, ProbeParam, ComputeContext } from './types';

export async function loadModel(model: string, o: { seed: number; allowCode?: boolean }): Promise<ProbeModel> {
  if (model.startsWith('builtin:')) return createBuiltin(model.slice('builtin:'.length), o.seed);
  throw new Error(`model ${model}: only builtin:NAME models are supported so far`);
}
