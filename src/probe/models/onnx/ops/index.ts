// The op table: ONNX op type → implementation. An op not listed here is an error naming it and its node.
import { convOps } from './conv';
import { elementwiseOps } from './elementwise';
import { lossOps } from './loss';
import { matmulOps } from './matmul';
import { miscOps } from './misc';
import { normalizationOps } from './normalization';
import { poolingOps } from './pooling';
import { recurrentOps } from './recurrent';
import { reduceOps } from './reduce';
import { shapeOps } from './shape';
import type { OpSpec } from './types';

export type { OpContext, OpSpec, Value } from './types';

export const OPS: Readonly<Record<string, OpSpec>> = {
  ...elementwiseOps,
  ...matmulOps,
  ...convOps,
  ...normalizationOps,
  ...poolingOps,
  ...shapeOps,
  ...reduceOps,
  ...recurrentOps,
  ...lossOps,
  ...miscOps,
};

/** The implementation of a node's op, or undefined (ops of other domains than ONNX's own are never implemented). */
export function opFor(opType: string, domain: string): OpSpec | undefined {
  if (domain !== '' && domain !== 'ai.onnx') return undefined;
  return Object.hasOwn(OPS, opType) ? OPS[opType] : undefined;
}
