// Which nodes carry infinities on purpose: a constant holding ±inf (masked_fill(-inf), a causal mask) and what
// passes its values along unchanged in kind. Their probes count only NaN as non-finite.
import type * as tf from '@tensorflow/tfjs-core';
import type { OnnxGraph } from './decode';

// Ops that move, select, combine or shift values without reducing them: a mask's -inf survives them as a mask.
const CARRIERS = new Set([
  'Where', 'Add', 'Sub', 'Mul', 'Neg', 'Max', 'Min', 'Clip', 'Cast', 'Identity', 'Reshape', 'Transpose', 'Squeeze',
  'Unsqueeze', 'Flatten', 'Expand', 'Tile', 'Concat', 'Split', 'Slice', 'Gather',
]);

export function maskedNodes(graph: OnnxGraph, constants: Map<string, tf.Tensor>): Set<string> {
  const carrying = new Set<string>();
  for (const [name, t] of constants) {
    if (t.dtype !== 'float32') continue;
    const values = t.dataSync();
    for (let i = 0; i < values.length; i++) {
      if (values[i] === Infinity || values[i] === -Infinity) {
        carrying.add(name);
        break;
      }
    }
  }
  const masked = new Set<string>();
  for (const node of graph.nodes) {
    if (!CARRIERS.has(node.opType) || !node.inputs.some((i) => carrying.has(i))) continue;
    masked.add(node.name);
    for (const o of node.outputs) carrying.add(o);
  }
  return masked;
}
