// A chain of layers as a model that computes its own loss, so the replay runs every model one way.
import { computeLoss } from '../replay/loss';
import { castTo } from '../replay/precision';
import type { ChainModel, LossModel, ProbeLayer } from './types';

/** A chain of layers built here (their variables are its own to dispose). */
export function chainModel(name: string, layers: ProbeLayer[], rest: Omit<ChainModel, 'name' | 'layers' | 'dispose'>): ChainModel {
  return {
    name,
    layers,
    ...rest,
    dispose() {
      for (const l of layers) for (const p of l.params) p.variable.dispose();
    },
  };
}

/** The chain's forward pass and loss over the batch { x, y }; inputs and loss are in the `other` precision (fp16 under .half()). */
export function chainAsLossModel(model: ChainModel): LossModel {
  return {
    kind: 'loss',
    name: model.name,
    standIn: model.standIn,
    layers: model.layers,
    inputs: [
      { name: 'x', dtype: 'float32', shape: [null, ...model.inputShape] },
      { name: 'y', dtype: 'float32', shape: [null, ...model.outputShape] },
    ],
    lossOf(batch, ctx, tap) {
      // Autocast keeps the input fp32 (its matmuls cast); a model cast with .to(fp16) takes fp16 inputs.
      let h = castTo(batch.x, ctx.other);
      for (const layer of model.layers) {
        h = layer.apply(h, ctx);
        tap?.(layer.name, [h]);
      }
      return castTo(computeLoss(model.loss, h, castTo(batch.y, ctx.other), model.outputsProbabilities), ctx.other) as ReturnType<LossModel['lossOf']>;
    },
    dispose: () => model.dispose(),
  };
}
