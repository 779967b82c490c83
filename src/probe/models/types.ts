// The shape of a model the replay can probe: an ordered chain of named layers with their parameters.
import type * as tf from '@tensorflow/tfjs-core';
import type { Precision } from '../replay/precision';

/** Where each kind of op computes: matmul/conv in the autocast dtype, the rest (norms, loss) in `other`. */
export interface ComputeContext {
  matmul: Precision;
  other: Precision;
  training: boolean;
}

export interface ProbeParam {
  /** e.g. 'kernel', 'bias', 'gamma'. */
  name: string;
  variable: tf.Variable;
  /** Autocast casts matmul/conv parameters to fp16; norm parameters stay fp32. */
  castable: boolean;
}

export interface ProbeLayer {
  /** The name probes report, e.g. 'imageproj/dense'. */
  name: string;
  params: ProbeParam[];
  apply(x: tf.Tensor, ctx: ComputeContext): tf.Tensor;
}

export interface ModelBatch {
  x: tf.Tensor;
  y: tf.Tensor;
}

export interface ProbeModel {
  /** e.g. 'imageproj'. */
  name: string;
  layers: ProbeLayer[];
  /** Input shape without the batch dimension. */
  inputShape: number[];
  /** Output shape without the batch dimension. */
  outputShape: number[];
  loss: 'mse' | 'cross-entropy';
  /** The last layer already applies softmax, so cross-entropy takes probabilities. */
  outputsProbabilities?: boolean;
  /** Batch size used when the data does not fix it. */
  batchSize: number;
  /** Scale of synthetic inputs and targets when no data is given. */
  inputScale: number;
  targetScale: number;
  /** A model's own sample batch (JS modules may export sampleBatch()). */
  sampleBatch?(): ModelBatch;
  dispose(): void;
}
