// Dropout (deterministic: identity unless training with a ratio above 0, then a seeded mask), seeded random noise
// (RandomNormalLike / RandomUniformLike: `torch.randn_like` in a VAE's reparameterization) and Resize (2-D, NCHW).
import * as tf from '@tensorflow/tfjs-core';
import { checkedSize } from '../limits';
import type { OpContext, OpSpec, Value } from './types';
import { required, toNchw, toNhwc } from './util';

function dropout(v: Value[], c: OpContext): tf.Tensor[] {
  const x = required(v, 0, c);
  const ratio = c.scalar(v[1]) ?? 0.5;
  const trainingMode = v[2] ? c.scalar(v[2]) === 1 : false;
  if (!c.training || !trainingMode || ratio === 0) return [x, tf.cast(tf.onesLike(x), 'bool')];
  if (ratio >= 1) c.fail(`Dropout ratio ${ratio} drops everything`);
  c.note(`Dropout at ${c.node.name} (ratio ${ratio}) uses a seeded mask, not the random one PyTorch would draw: losses differ from a real run by the mask.`);
  const keep = new Uint8Array(x.size);
  for (let i = 0; i < keep.length; i++) keep[i] = c.random() >= ratio ? 1 : 0;
  const mask = tf.tensor(keep, x.shape, 'bool');
  return [tf.mul(x, tf.mul(tf.cast(mask, 'float32'), 1 / (1 - ratio))), mask];
}

/** Noise shaped like the input from the run's seeded generator (Box–Muller for the normal); PyTorch's draws differ. */
function randomLike(kind: 'normal' | 'uniform'): OpSpec {
  return {
    random: true,
    data: [],
    run(v, c) {
      const x = required(v, 0, c);
      c.note(`${c.node.opType} at ${c.node.name} draws seeded noise, not PyTorch's: losses differ from a real run by the draw.`);
      const [low, high, mean, scale] = [c.float('low', 0), c.float('high', 1), c.float('mean', 0), c.float('scale', 1)];
      const out = new Float32Array(x.size);
      for (let i = 0; i < out.length; i++) {
        if (kind === 'uniform') out[i] = low + (high - low) * c.random();
        else out[i] = mean + scale * Math.sqrt(-2 * Math.log(1 - c.random())) * Math.cos(2 * Math.PI * c.random());
      }
      return tf.tensor(out, x.shape, 'float32');
    },
  };
}

/** Resize of the two spatial axes: nearest (floor or round) or linear, with torch's coordinate modes. */
function resize(v: Value[], c: OpContext): tf.Tensor {
  const x = required(v, 0, c);
  if (x.rank !== 4) c.fail('only 4-D (NCHW) Resize is supported');
  const scales = c.ints(v[2]) !== undefined && v[2]!.size > 0 ? Array.from(v[2]!.dataSync()) : undefined;
  const sizes = v[3] && v[3].size > 0 ? c.ints(v[3]) : undefined;
  const out = sizes ?? (scales ? x.shape.map((d, i) => Math.floor(d * scales[i])) : c.fail('neither scales nor sizes are given'));
  if (out[0] !== x.shape[0] || out[1] !== x.shape[1]) c.fail('resizing the batch or channel axis is not supported');
  checkedSize(out, `Resize at node ${c.node.name}`);
  const mode = c.str('mode', 'nearest');
  const coordinates = c.str('coordinate_transformation_mode', 'half_pixel');
  const alignCorners = coordinates === 'align_corners';
  const halfPixel = coordinates === 'half_pixel' || coordinates === 'pytorch_half_pixel';
  if (!alignCorners && !halfPixel && coordinates !== 'asymmetric') c.fail(`coordinate_transformation_mode ${coordinates} is not supported`);
  const hw: [number, number] = [out[2], out[3]];
  if (mode === 'linear') return toNchw(tf.image.resizeBilinear(toNhwc(x), hw, alignCorners, halfPixel));
  if (mode !== 'nearest') c.fail(`Resize mode ${mode} is not supported (nearest and linear are)`);
  // nn.Upsample(mode='nearest') exports asymmetric coordinates with floor: TensorFlow.js's plain nearest neighbour.
  if (coordinates === 'asymmetric' && c.str('nearest_mode', 'round_prefer_floor') !== 'floor') c.fail('nearest Resize with asymmetric coordinates needs nearest_mode floor');
  return toNchw(tf.image.resizeNearestNeighbor(toNhwc(x), hw, alignCorners, halfPixel));
}

export const miscOps: Record<string, OpSpec> = {
  Dropout: { run: dropout, data: [0], probed: 1, random: true },
  RandomNormalLike: randomLike('normal'),
  RandomUniformLike: randomLike('uniform'),
  Resize: { run: resize, data: [0] },
};
