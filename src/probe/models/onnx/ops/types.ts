// What an ONNX op implementation sees: its inputs as tensors, its node's attributes, and the run's context.
import type * as tf from '@tensorflow/tfjs-core';
import type { AttrValue, OnnxNode } from '../decode';
import type { HostTensor } from '../tensor';

/** An input value; undefined where an optional input is left out. */
export type Value = tf.Tensor | undefined;

export interface OpContext {
  readonly node: OnnxNode;
  readonly opset: number;
  /** A training pass (batch statistics, dropout) rather than a validation pass. */
  readonly training: boolean;
  /** The values of a small integer tensor (shapes, axes, indices), read on the host. */
  ints(v: Value): number[] | undefined;
  /** A number from a scalar tensor. */
  scalar(v: Value): number | undefined;
  attr(name: string): AttrValue | undefined;
  int(name: string, fallback: number): number;
  float(name: string, fallback: number): number;
  str(name: string, fallback: string): string;
  intList(name: string): number[] | undefined;
  tensorAttr(name: string): HostTensor | undefined;
  /** Replaces a piece of state (BatchNormalization's running statistics) after this pass. */
  setState(name: string, value: tf.Tensor): void;
  /** Whether a value name is state the model keeps across iterations. */
  isState(name: string): boolean;
  /** A seeded random number in [0, 1) (Dropout's mask). */
  random(): number;
  /** Something about this run the report should say (once per distinct text). */
  note(text: string): void;
  /** An error naming the node and the op. */
  fail(message: string): never;
}

export type OpFn = (inputs: Value[], c: OpContext) => tf.Tensor | tf.Tensor[];

export interface OpSpec {
  run: OpFn;
  /** Autocast runs it in the low precision (matmul, conv): its float inputs are cast and its output rounded. */
  matmul?: boolean;
  /** Input positions that carry data a gradient flows through (default: all); the rest are shapes, axes, statistics. */
  data?: number[];
  /** How many leading outputs are activations to probe (default: all float outputs). */
  probed?: number;
  /** Its output differs from run to run (a dropout mask): never computed ahead of time. */
  random?: boolean;
}
