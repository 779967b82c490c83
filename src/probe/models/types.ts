// The shape of a model the replay can probe: a chain of named layers with a built-in loss, or a graph that computes its own loss.
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

/** A probed group: its name in the report and the parameters whose gradients and updates it shows. */
export interface ProbeGroup {
  /** The name probes report, e.g. 'imageproj/dense' or an ONNX node name like '/encoder/layer.0/attention/MatMul'. */
  name: string;
  params: ProbeParam[];
}

export interface ProbeLayer extends ProbeGroup {
  apply(x: tf.Tensor, ctx: ComputeContext): tf.Tensor;
}

export interface ModelBatch {
  x: tf.Tensor;
  y: tf.Tensor;
}

/** One tensor per model input, by name ({ x, y } for a chain of layers; the graph's inputs for an ONNX training step). */
export type NamedBatch = Record<string, tf.Tensor>;

/**
 * Sees each probed output of a forward pass (the tensors are only valid during the call); `masked`: its infinities
 * come from a constant on purpose (an attention mask filled with -inf), so only NaN there is non-finite.
 */
export type Tap = (layer: string, outputs: tf.Tensor[], masked?: boolean) => void;

interface ModelBase {
  /** e.g. 'imageproj'. */
  name: string;
  /** A stand-in of the task's family, built because no model was given (reports say so). */
  standIn?: boolean;
  dispose(): void;
}

/** A chain of layers, each feeding the next, with the loss applied to the last layer's output. */
export interface ChainModel extends ModelBase {
  kind?: 'chain';
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
}

/** A declared graph input: its name, element type and shape (null where the graph leaves a dimension open). */
export interface ModelInput {
  name: string;
  dtype: 'float32' | 'int32' | 'bool';
  shape: (number | null)[];
}

/** A graph whose output is the training loss itself (an ONNX training step): it reads a named batch. */
export interface LossModel extends ModelBase {
  kind: 'loss';
  /** Probe groups in the order the forward pass reaches them. */
  layers: ProbeGroup[];
  inputs: ModelInput[];
  /** The training loss of one batch; calls tap for every probed output when one is given. */
  lossOf(batch: NamedBatch, ctx: ComputeContext, tap?: Tap): tf.Scalar;
  /** Things the report should say about how the model was run (a seeded dropout mask, say). */
  notes?: string[];
}

export type ProbeModel = ChainModel | LossModel;
