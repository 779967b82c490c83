// What each initializer is (trainable weight, running statistic, constant), which nodes can be computed once
// ahead of training, and the probe groups: one per node with a float output, holding the weights it reads first.
import type { OnnxGraph } from './decode';
import { inferTypes } from './dtypes';
import { opFor } from './ops/index';
import type { OpSpec } from './ops/types';

export interface GraphPlan {
  specs: OpSpec[];
  /** Float initializers a gradient flows into: the starting weights. */
  trainable: string[];
  /** Float initializers a node updates (BatchNormalization's running mean and variance). */
  state: string[];
  /** Node indices whose inputs are all constant: computed once when the model loads. */
  folded: Set<number>;
  /** Probe groups in graph order: a node name and the trainable initializers it reads first. */
  groups: { name: string; params: string[] }[];
  /** Trainable initializers a matmul or conv reads (directly or through a view): autocast casts them to fp16. */
  castable: Set<string>;
}

// Ops that only re-arrange a weight before the matmul that reads it (torch exports Linear as Transpose + MatMul).
const VIEWS = new Set(['Transpose', 'Reshape', 'Identity', 'Unsqueeze', 'Squeeze', 'Flatten', 'Cast']);

function unsupported(graph: OnnxGraph, file: string): never {
  const missing = graph.nodes.filter((n) => !opFor(n.opType, n.domain));
  const first = missing[0]!;
  const kinds = [...new Set(missing.map((n) => (n.domain && n.domain !== 'ai.onnx' ? `${n.domain}.${n.opType}` : n.opType)))];
  const more = missing.length > 1 ? ` (${missing.length} nodes use unsupported ops: ${kinds.join(', ')})` : '';
  throw new Error(`${file}: op ${first.domain && first.domain !== 'ai.onnx' ? `${first.domain}.` : ''}${first.opType} at node ${first.name} is not supported by the probe${more}`);
}

export function planGraph(graph: OnnxGraph, file: string): GraphPlan {
  const specs = graph.nodes.map((n) => opFor(n.opType, n.domain));
  if (specs.some((s) => !s)) unsupported(graph, file);
  const ops = specs as OpSpec[];
  const isData = (node: number, position: number): boolean => ops[node]!.data?.includes(position) ?? true;

  const trainable: string[] = [];
  const state: string[] = [];
  for (const [name, t] of graph.initializers) {
    if (t.dtype !== 'float32') continue;
    const uses = graph.nodes.flatMap((n, i) => n.inputs.flatMap((input, p) => (input === name ? [[i, p] as const] : [])));
    if (uses.some(([i, p]) => isData(i, p))) trainable.push(name);
    else if (uses.some(([i, p]) => graph.nodes[i]!.opType === 'BatchNormalization' && (p === 3 || p === 4))) state.push(name);
  }

  // Known ahead: constant initializers and what only they feed; weights, running statistics and inputs are not.
  const varying = new Set<string>([...trainable, ...state, ...graph.inputs.map((i) => i.name)]);
  const folded = new Set<number>();
  graph.nodes.forEach((n, i) => {
    if (!ops[i]!.random && n.inputs.every((input) => input === '' || !varying.has(input))) folded.add(i);
    else for (const o of n.outputs) varying.add(o);
  });

  const types = inferTypes(graph);
  const groups: GraphPlan['groups'] = [];
  const owner = new Map<string, number>();
  graph.nodes.forEach((n, i) => {
    if (folded.has(i)) return;
    const params = n.inputs.filter((input) => trainable.includes(input) && !owner.has(input));
    const probesOutput = n.outputs.slice(0, ops[i]!.probed ?? n.outputs.length).some((o) => o !== '' && types.get(o) === 'float32');
    if (!probesOutput && params.length === 0) return;
    for (const p of params) owner.set(p, groups.length);
    groups.push({ name: n.name, params });
  });

  const castable = new Set<string>();
  const feedsMatmul = (value: string, depth: number): boolean =>
    graph.nodes.some((n, i) => n.inputs.includes(value) && (ops[i]!.matmul || (depth < 3 && VIEWS.has(n.opType) && n.outputs.some((o) => feedsMatmul(o, depth + 1)))));
  for (const name of trainable) if (feedsMatmul(name, 0)) castable.add(name);
  return { specs: ops, trainable, state, folded, groups, castable };
}
