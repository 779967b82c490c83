// Stand-in models for when the user gives none: a small seeded network of the task's family, which the replay runs
// with the run's own optimizer and precision settings. They show optimizer and precision causes, nothing model-specific.
import { createRandom } from '../random';
import { chainModel } from './chain';
import { conv2dRelu, dense } from './layers';
import { attentionBlock, feedForwardBlock, lmHead } from './transformer-layers';
import type { ChainModel, ProbeLayer } from './types';

import { STANDIN_NAMES as NAMES } from './standin-names';

function standIn(name: string, layers: ProbeLayer[], rest: Omit<ChainModel, 'name' | 'layers' | 'dispose' | 'standIn'>): ChainModel {
  return chainModel(name, layers, { ...rest, standIn: true });
}

/** A small denoiser (vision / diffusion): three 3×3 convs over a 16×16 RGB image, predicting the noise (MSE). */
function conv(seed: number): ChainModel {
  const rng = createRandom(seed);
  const layers = [conv2dRelu('standin-conv/conv_in', rng, 3, 16), conv2dRelu('standin-conv/conv_mid', rng, 16, 16), conv2dRelu('standin-conv/conv_out', rng, 16, 3, 1, false)];
  return standIn('standin-conv', layers, { inputShape: [16, 16, 3], outputShape: [16, 16, 3], loss: 'mse', batchSize: 4, inputScale: 1, targetScale: 1 });
}

/** A one-block causal language model on 16 token embeddings of width 64 (4 heads), next-token cross-entropy over 64 tokens. */
function transformer(seed: number): ChainModel {
  const rng = createRandom(seed);
  const layers = [attentionBlock('standin-transformer/attention', rng, 64, 4), feedForwardBlock('standin-transformer/mlp', rng, 64), lmHead('standin-transformer/head', rng, 64, 64)];
  return standIn('standin-transformer', layers, { inputShape: [16, 64], outputShape: [16, 64], loss: 'cross-entropy', batchSize: 2, inputScale: 1, targetScale: 1 });
}

/** A 3-layer MLP (64 → 128 → 128 → 16, ReLU), regression with MSE. */
function mlp(seed: number): ChainModel {
  const rng = createRandom(seed);
  const layers = [dense('standin-mlp/fc1', rng, 64, 128, { relu: true }), dense('standin-mlp/fc2', rng, 128, 128, { relu: true }), dense('standin-mlp/fc3', rng, 128, 16)];
  return standIn('standin-mlp', layers, { inputShape: [64], outputShape: [16], loss: 'mse', batchSize: 8, inputScale: 1, targetScale: 1 });
}

export const standIns: Record<string, (seed: number) => ChainModel> = { [NAMES.vision]: conv, [NAMES.language]: transformer, [NAMES.other]: mlp };
