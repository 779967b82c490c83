// An ONNX file → the graph the importer builds from: nodes with decoded attributes, initializers, inputs, the loss output.
// The file is data: nothing in it runs; its size, node count and tensor sizes are bounded.
import { readFileSync, statSync } from 'node:fs';
import type { ModelInput } from '../types';
import { MAX_ONNX_FILE_BYTES, MAX_ONNX_NODES } from './limits';
import { modelProtoType } from './schema';
import { decodeTensor, type HostTensor, type TensorProtoObject } from './tensor';

export type AttrValue = number | string | number[] | string[] | HostTensor;

export interface OnnxNode {
  /** The node's name, or `<op>_<index>` when the exporter left it empty. */
  name: string;
  opType: string;
  domain: string;
  /** Input value names; '' marks an omitted optional input. */
  inputs: string[];
  outputs: string[];
  attrs: Record<string, AttrValue>;
}

export interface OnnxGraph {
  /** The default-domain opset the model imports. */
  opset: number;
  nodes: OnnxNode[];
  initializers: Map<string, HostTensor>;
  /** Graph inputs that are not initializers: what the batch provides. */
  inputs: ModelInput[];
  /** The single output: the loss. */
  output: string;
}

export const MIN_OPSET = 13;
export const MAX_OPSET = 18;

interface ValueInfo {
  name: string;
  type?: { tensor_type?: { elem_type?: number; shape?: { dim?: { dim_value?: number; dim_param?: string }[] } } };
}
interface AttributeObject {
  name: string;
  type?: number;
  f?: number;
  i?: number;
  s?: Uint8Array;
  t?: TensorProtoObject;
  floats?: number[];
  ints?: number[];
  strings?: Uint8Array[];
}
interface NodeObject {
  name?: string;
  op_type?: string;
  domain?: string;
  input?: string[];
  output?: string[];
  attribute?: AttributeObject[];
}
interface ModelObject {
  opset_import?: { domain?: string; version?: number }[];
  graph?: { node?: NodeObject[]; initializer?: TensorProtoObject[]; input?: ValueInfo[]; output?: ValueInfo[] };
}

const utf8 = new TextDecoder();

function readModel(file: string): ModelObject {
  let size: number;
  try {
    size = statSync(file).size;
  } catch (err) {
    throw new Error(`${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  if (size > MAX_ONNX_FILE_BYTES) throw new Error(`${file}: ${(size / 1024 / 1024).toFixed(1)} MB, over the ${MAX_ONNX_FILE_BYTES / 1024 / 1024} MB limit for a probed ONNX model`);
  const bytes = readFileSync(file);
  const type = modelProtoType();
  try {
    return type.toObject(type.decode(bytes), { longs: Number, enums: Number, defaults: false }) as ModelObject;
  } catch (err) {
    throw new Error(`${file}: not an ONNX model (${(err as Error).message})`);
  }
}

function attribute(a: AttributeObject, what: string): AttrValue | undefined {
  switch (a.type) {
    case 1: return a.f ?? 0;
    case 2: return a.i ?? 0;
    case 3: return utf8.decode(a.s ?? new Uint8Array());
    case 4: return a.t ? decodeTensor(a.t, `${what} attribute ${a.name}`) : undefined;
    case 6: return a.floats ?? [];
    case 7: return a.ints ?? [];
    case 8: return (a.strings ?? []).map((s) => utf8.decode(s));
    // Graphs (If, Loop), sparse tensors and types: the ops that take them are not supported, which names the node.
    default: return undefined;
  }
}

function modelInput(v: ValueInfo, file: string): ModelInput {
  const t = v.type?.tensor_type;
  const elem = t?.elem_type ?? 0;
  const dtype = elem === 1 || elem === 10 || elem === 11 || elem === 16 ? 'float32' : elem === 9 ? 'bool' : [2, 3, 4, 5, 6, 7, 12, 13].includes(elem) ? 'int32' : null;
  if (!dtype) throw new Error(`${file}: graph input ${v.name} has element type ${elem}, which the probe cannot feed (float, integer or bool tensors only)`);
  const shape = (t?.shape?.dim ?? []).map((d) => (d.dim_value !== undefined && d.dim_value > 0 ? Number(d.dim_value) : null));
  return { name: v.name, dtype, shape };
}

export function decodeOnnx(file: string): OnnxGraph {
  const model = readModel(file);
  const graph = model.graph;
  if (!graph) throw new Error(`${file}: not an ONNX model (no graph)`);
  const opset = (model.opset_import ?? []).find((o) => !o.domain || o.domain === 'ai.onnx')?.version;
  if (opset === undefined) throw new Error(`${file}: the model imports no default-domain opset`);
  if (opset < MIN_OPSET || opset > MAX_OPSET) throw new Error(`${file}: opset ${opset} is not supported (opsets ${MIN_OPSET}–${MAX_OPSET}; re-export with opset_version=17)`);
  const nodes = graph.node ?? [];
  if (nodes.length > MAX_ONNX_NODES) throw new Error(`${file}: ${nodes.length} nodes, over the limit of ${MAX_ONNX_NODES} for a probed model`);
  const initializers = new Map<string, HostTensor>();
  for (const t of graph.initializer ?? []) initializers.set(t.name ?? '', decodeTensor(t, `${file}: initializer ${t.name}`));
  const outputs = graph.output ?? [];
  if (outputs.length !== 1) {
    throw new Error(`${file}: the graph has ${outputs.length} outputs (${outputs.map((o) => o.name).join(', ')}); a training-step graph has one, the loss (export a module whose forward returns the loss)`);
  }
  const outShape = outputs[0].type?.tensor_type?.shape?.dim ?? [];
  if (outShape.some((d) => d.dim_value !== undefined && Number(d.dim_value) !== 1)) {
    throw new Error(`${file}: the output ${outputs[0].name} is not a scalar (shape [${outShape.map((d) => d.dim_value ?? d.dim_param).join(', ')}]); the training loss is one number`);
  }
  return {
    opset,
    nodes: nodes.map((n, index) => {
      const opType = n.op_type ?? '';
      const name = n.name || `${opType}_${index}`;
      const attrs: Record<string, AttrValue> = {};
      for (const a of n.attribute ?? []) {
        const v = attribute(a, `${file}: node ${name}`);
        if (v !== undefined) attrs[a.name] = v;
      }
      return { name, opType, domain: n.domain ?? '', inputs: n.input ?? [], outputs: n.output ?? [], attrs };
    }),
    initializers,
    // IR versions before 4 list initializers among the inputs too.
    inputs: (graph.input ?? []).filter((v) => !initializers.has(v.name)).map((v) => modelInput(v, file)),
    output: outputs[0].name,
  };
}
