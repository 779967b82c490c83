// Where torch's CPU layer and group norm return NaN for huge inputs, so a diverging run goes NaN where torch's does.
// Their moments (ATen RowwiseMoments, AVX2: 8 float lanes, chunks of 16 vectors) add each chunk's per-lane mean
// into an empty accumulator as delta² · 0: once a lane mean passes √FLT_MAX its square is inf and inf · 0 is NaN.
import * as tf from '@tensorflow/tfjs-core';

const LANES = 8;
const CHUNK = 16;
const SQRT_FLT_MAX = Math.sqrt(3.4028234663852886e38);

/** For rows [R, N] about to be normalized: a [R, 1] mask of the rows torch's kernel turns into NaN, or null for none. */
export function torchMomentsNaN(rows: tf.Tensor2D): tf.Tensor | null {
  const [count, n] = rows.shape;
  const vectors = Math.floor(n / LANES);
  // Without a full vector, or with nothing near the threshold, nothing can overflow that way.
  if (vectors === 0 || tf.max(tf.abs(rows)).dataSync()[0]! < SQRT_FLT_MAX) return null;
  // Read on the host: the mask is no function of the weights, so it stays off the gradient tape.
  const x = rows.dataSync();
  const bad = new Uint8Array(count);
  for (let r = 0; r < count; r++) {
    for (let start = 0; start < vectors && !bad[r]; start += CHUNK) {
      const k = Math.min(CHUNK, vectors - start);
      for (let lane = 0; lane < LANES; lane++) {
        let sum = 0;
        for (let v = start; v < start + k; v++) sum += x[r * n + v * LANES + lane]!;
        if (!(Math.abs(sum / k) < SQRT_FLT_MAX)) bad[r] = 1;
      }
    }
  }
  return bad.some((b) => b) ? tf.tensor2d(bad, [count, 1], 'bool') : null;
}
