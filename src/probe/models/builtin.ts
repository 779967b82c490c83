// Built-in replicas (the seed case's image projection, a small conv net, a 3-layer MLP) and the stand-ins.
import { createRandom } from '../random';
import { conv2dRelu, dense, globalAvgPool, layerNorm } from './layers';
import { standIns } from './standins';
import { chainModel } from './chain';
import type { ChainModel } from './types';

/** Hallo's ImageProjModel: Linear(512 → 4·768) reshaped to 4 tokens of 768, then LayerNorm(768). */
function imageproj(seed: number): ChainModel {
  const rng = createRandom(seed);
  return chainModel('imageproj', [dense('imageproj/dense', rng, 512, 4 * 768, { reshapeTo: [4, 768] }), layerNorm('imageproj/layer_norm', 768)], {
    inputShape: [512],
    outputShape: [4, 768],
    loss: 'mse',
    batchSize: 2,
    // CLIP image embeddings are roughly unit scale; the targets are unit-scale tokens.
    inputScale: 1,
    targetScale: 1,
  });
}

/** A tiny conv net: two 3×3 conv + ReLU, global average pool, a dense regression head. */
function convnet(seed: number): ChainModel {
  const rng = createRandom(seed);
  return chainModel(
    'convnet',
    [conv2dRelu('convnet/conv1', rng, 1, 8), conv2dRelu('convnet/conv2', rng, 8, 8), globalAvgPool('convnet/pool'), dense('convnet/dense', rng, 8, 1)],
    // Targets of scale 3 make SGD at lr 10 overflow within 5 iterations while lr 1 stays finite.
    { inputShape: [8, 8, 1], outputShape: [1], loss: 'mse', batchSize: 4, inputScale: 1, targetScale: 3 },
  );
}

/** A 3-layer MLP (16 → 32 → 32 → 4, ReLU) for quick checks. */
function mlp(seed: number): ChainModel {
  const rng = createRandom(seed);
  return chainModel(
    'mlp',
    [dense('mlp/dense1', rng, 16, 32, { relu: true }), dense('mlp/dense2', rng, 32, 32, { relu: true }), dense('mlp/dense3', rng, 32, 4)],
    { inputShape: [16], outputShape: [4], loss: 'mse', batchSize: 4, inputScale: 1, targetScale: 1 },
  );
}

const builtins: Record<string, (seed: number) => ChainModel> = { imageproj, convnet, mlp, ...standIns };

export const builtinNames = Object.keys(builtins);

export function createBuiltin(name: string, seed: number): ChainModel {
  const make = builtins[name];
  if (!make) throw new Error(`unknown built-in model builtin:${name} (known: ${builtinNames.map((n) => 'builtin:' + n).join(', ')})`);
  return make(seed);
}
