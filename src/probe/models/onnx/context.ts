// The OpContext each node runs with: its attributes, host reads of small tensors, state updates and errors naming it.
import type * as tf from '@tensorflow/tfjs-core';
import type { OnnxNode } from './decode';
import type { OpContext, Value } from './ops/types';
import type { HostTensor } from './tensor';

export interface RunHooks {
  file: string;
  opset: number;
  training: boolean;
  isState(name: string): boolean;
  setState(name: string, value: tf.Tensor): void;
  random(): number;
  note(text: string): void;
}

export function nodeError(file: string, node: OnnxNode, message: string): Error {
  return new Error(`${file}: node ${node.name} (${node.opType}): ${message}`);
}

export function opContext(node: OnnxNode, hooks: RunHooks): OpContext {
  const fail = (message: string): never => {
    throw nodeError(hooks.file, node, message);
  };
  const attr = (name: string) => node.attrs[name];
  const number = (name: string, fallback: number): number => {
    const v = attr(name);
    return typeof v === 'number' ? v : fallback;
  };
  return {
    node,
    opset: hooks.opset,
    training: hooks.training,
    ints: (v: Value) => (v ? Array.from(v.dataSync(), Number) : undefined),
    scalar: (v: Value) => (v && v.size > 0 ? Number(v.dataSync()[0]) : undefined),
    attr,
    int: number,
    float: number,
    str: (name, fallback) => {
      const v = attr(name);
      return typeof v === 'string' ? v : fallback;
    },
    intList: (name) => {
      const v = attr(name);
      return Array.isArray(v) ? (v as number[]) : undefined;
    },
    tensorAttr: (name) => {
      const v = attr(name);
      return v && typeof v === 'object' && !Array.isArray(v) ? (v as HostTensor) : undefined;
    },
    setState: hooks.setState,
    isState: hooks.isState,
    random: hooks.random,
    note: hooks.note,
    fail,
  };
}
