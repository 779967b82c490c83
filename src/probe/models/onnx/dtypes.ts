// The element type of every value in the graph, inferred ahead of running it: only float outputs are probed.
import type { OnnxGraph, OnnxNode } from './decode';
import type { HostDtype } from './tensor';

const BOOL_OPS = new Set(['Equal', 'Greater', 'Less', 'Not', 'And', 'Or']);
// Ops whose output has the element type of one input (position given).
const SAME_AS: Record<string, number> = {
  Gather: 0, Reshape: 0, Slice: 0, Squeeze: 0, Unsqueeze: 0, Transpose: 0, Expand: 0, Identity: 0, Split: 0, Tile: 0,
  Flatten: 0, Pad: 0, Trilu: 0, Where: 1, Range: 0, Add: 0, Sub: 0, Mul: 0, Div: 0, Neg: 0, Abs: 0, Max: 0, Min: 0,
  ReduceSum: 0, ReduceMax: 0, ReduceMin: 0,
};
const CAST_TO: Record<number, HostDtype> = { 1: 'float32', 10: 'float32', 11: 'float32', 16: 'float32', 9: 'bool' };

function outputType(node: OnnxNode, types: Map<string, HostDtype>): HostDtype {
  const op = node.opType;
  if (op === 'Shape') return 'int32';
  if (BOOL_OPS.has(op)) return 'bool';
  if (op === 'Cast') return CAST_TO[Number(node.attrs.to ?? 1)] ?? 'int32';
  if (op === 'Constant' || op === 'ConstantOfShape') {
    const value = node.attrs.value;
    if (value && typeof value === 'object' && 'dtype' in value) return value.dtype;
    return op === 'ConstantOfShape' || 'value_float' in node.attrs || 'value_floats' in node.attrs ? 'float32' : 'int32';
  }
  if (op === 'Concat') return node.inputs.some((i) => types.get(i) === 'float32') ? 'float32' : (types.get(node.inputs[0] ?? '') ?? 'float32');
  const from = SAME_AS[op];
  if (from !== undefined) return types.get(node.inputs[from] ?? '') ?? 'float32';
  return 'float32';
}

/** Value name → element type, for graph inputs, initializers and every node output. */
export function inferTypes(graph: OnnxGraph): Map<string, HostDtype> {
  const types = new Map<string, HostDtype>();
  for (const input of graph.inputs) types.set(input.name, input.dtype);
  for (const [name, t] of graph.initializers) types.set(name, t.dtype);
  for (const node of graph.nodes) {
    const type = outputType(node, types);
    // Extra outputs: BatchNormalization's running statistics and loss log-probabilities are float, Dropout's mask bool.
    node.outputs.forEach((o, i) => types.set(o, i === 0 ? type : node.opType === 'Dropout' ? 'bool' : 'float32'));
  }
  return types;
}
