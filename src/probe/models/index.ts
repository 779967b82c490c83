// Loads the model a probe spec names: builtin:NAME, a TF.js model.json, a Keras model JSON, an ONNX training step, or a JS module.
import { createBuiltin } from './builtin';
import { loadModelFile } from './files';
import { reinitializeSeeded, wrapLayersModel } from './layers-model';
import { loadModelModule } from './module';
import { loadOnnxModel } from './onnx/model';
import type { ProbeModel } from './types';

export { standInFor, type TaskFamily } from './standin-names';
export type { ProbeModel, ChainModel, LossModel, NamedBatch, ProbeGroup, ProbeLayer, ProbeParam, ComputeContext, Tap } from './types';

export async function loadModel(model: string, o: { seed: number; allowCode?: boolean }): Promise<ProbeModel> {
  if (model.startsWith('builtin:')) return createBuiltin(model.slice('builtin:'.length), o.seed);
  if (/\.(c|m)?js$/.test(model)) {
    const m = await loadModelModule(model, o.allowCode);
    const wrapped = wrapLayersModel(m.model, { source: model, loss: m.loss, sampleBatch: m.sampleBatch, batchSize: m.batchSize });
    const disposeModel = wrapped.dispose;
    wrapped.dispose = () => {
      m.disposeBatch();
      disposeModel();
    };
    return wrapped;
  }
  // An ONNX file is data: decoded with the ONNX schema, nothing in it runs.
  if (/\.onnx$/i.test(model)) return loadOnnxModel(model, o.seed);
  if (model.endsWith('.json')) {
    const { model: layers, hasWeights } = await loadModelFile(model);
    // Without stored weights every re-run must start from the same seeded weights to be comparable.
    if (!hasWeights) reinitializeSeeded(layers, o.seed);
    return wrapLayersModel(layers, { source: model });
  }
  throw new Error(`model ${model}: expected builtin:NAME, a model.json / Keras JSON file, an ONNX training step (.onnx), or a .js module exporting createModel()`);
}
