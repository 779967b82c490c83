// An ONNX training-step graph as a model the replay trains: initializers become the weights, the graph's
// output is the loss, every node with a float output is probed under its name.
import * as tf from '@tensorflow/tfjs-core';
import { basename } from 'node:path';
import { castTo } from '../../replay/precision';
import { createRandom } from '../../random';
import type { ComputeContext, LossModel, NamedBatch, ProbeParam, Tap } from '../types';
import { nodeError, opContext, type RunHooks } from './context';
import { decodeOnnx, type OnnxGraph } from './decode';
import { maskedNodes } from './masks';
import { planGraph, type GraphPlan } from './plan';

const isFloat = (t: tf.Tensor | undefined): t is tf.Tensor => t !== undefined && t.dtype === 'float32';

export function loadOnnxModel(file: string, seed: number): LossModel {
  const graph = decodeOnnx(file);
  const plan = planGraph(graph, file);
  return new OnnxModel(file, graph, plan, seed).asLossModel();
}

class OnnxModel {
  private readonly variables = new Map<string, tf.Variable>();
  private readonly state = new Map<string, tf.Tensor>();
  /** Running statistics a pass computed, taken over at the start of the next pass (after the gradients). */
  private readonly pending = new Map<string, tf.Tensor>();
  private readonly constants = new Map<string, tf.Tensor>();
  private readonly notes: string[] = [];
  private readonly random: () => number;
  /** Nodes whose outputs carry a constant's infinities on purpose (an attention mask). */
  private masked = new Set<string>();

  constructor(
    private readonly file: string,
    private readonly graph: OnnxGraph,
    private readonly plan: GraphPlan,
    seed: number,
  ) {
    this.random = createRandom(seed + 7).uniform;
    try {
      for (const [name, t] of graph.initializers) {
        const tensor = tf.tensor(t.values, t.shape, t.dtype);
        if (plan.trainable.includes(name)) {
          this.variables.set(name, tf.variable(tensor, true));
          tensor.dispose();
        } else if (plan.state.includes(name)) this.state.set(name, tensor);
        else this.constants.set(name, tensor);
      }
      this.fold();
      this.masked = maskedNodes(graph, this.constants);
    } catch (err) {
      this.dispose();
      throw err;
    }
  }

  /** Computes the nodes that depend on constants only, once. */
  private fold(): void {
    const hooks = this.hooks(true);
    tf.tidy(() => {
      this.graph.nodes.forEach((node, i) => {
        if (!this.plan.folded.has(i)) return;
        const outputs = this.runNode(i, this.constants, hooks, null);
        node.outputs.forEach((name, k) => {
          const t = outputs[k];
          if (name && t) this.constants.set(name, tf.keep(t));
        });
      });
    });
  }

  private hooks(training: boolean): RunHooks {
    return {
      file: this.file,
      opset: this.graph.opset,
      training,
      isState: (name) => this.state.has(name),
      setState: (name, value) => {
        this.pending.get(name)?.dispose();
        this.pending.set(name, tf.keep(value));
      },
      random: this.random,
      note: (text) => void (this.notes.includes(text) || this.notes.push(text)),
    };
  }

  /** Runs one node on the values in `env`; `ctx` (null while folding) sets where it computes. */
  private runNode(i: number, env: Map<string, tf.Tensor>, hooks: RunHooks, ctx: ComputeContext | null): (tf.Tensor | undefined)[] {
    const node = this.graph.nodes[i]!;
    const spec = this.plan.specs[i]!;
    const precision = ctx ? (spec.matmul ? ctx.matmul : ctx.other) : 'fp32';
    const inputs = node.inputs.map((name) => {
      if (name === '') return undefined;
      const v = env.get(name);
      if (!v) throw nodeError(this.file, node, `its input ${name} is not computed before it (the graph is not in topological order)`);
      // Autocast casts a matmul's float inputs (activations and weights) to its precision.
      return spec.matmul && isFloat(v) ? castTo(v, precision) : v;
    });
    let result: tf.Tensor | tf.Tensor[];
    try {
      result = spec.run(inputs, opContext(node, hooks));
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      throw message.startsWith(this.file) ? err : nodeError(this.file, node, message);
    }
    return (Array.isArray(result) ? result : [result]).map((t) => (isFloat(t) ? castTo(t, precision) : t));
  }

  lossOf(batch: NamedBatch, ctx: ComputeContext, tap?: Tap): tf.Scalar {
    this.takePendingState();
    const env = new Map<string, tf.Tensor>([...this.constants, ...this.state, ...this.variables]);
    for (const input of this.graph.inputs) {
      const t = batch[input.name];
      if (!t) throw new Error(`${this.file}: the batch has no value for the graph input ${input.name}`);
      // A model cast with .to(fp16) takes fp16 inputs; autocast keeps them fp32.
      env.set(input.name, isFloat(t) ? castTo(t, ctx.other) : t);
    }
    const hooks = this.hooks(ctx.training);
    this.graph.nodes.forEach((node, i) => {
      if (this.plan.folded.has(i)) return;
      const outputs = this.runNode(i, env, hooks, ctx);
      node.outputs.forEach((name, k) => {
        const t = outputs[k];
        if (name && t) env.set(name, t);
      });
      if (tap) {
        const probed = outputs.slice(0, this.plan.specs[i]!.probed ?? outputs.length).filter(isFloat);
        if (probed.length) tap(node.name, probed, this.masked.has(node.name));
      }
    });
    const loss = env.get(this.graph.output);
    if (!loss || loss.size !== 1 || loss.dtype !== 'float32') throw new Error(`${this.file}: the output ${this.graph.output} is not a single float (the training loss)`);
    return tf.reshape(loss, []) as tf.Scalar;
  }

  private takePendingState(): void {
    for (const [name, value] of this.pending) {
      this.state.get(name)?.dispose();
      this.state.set(name, value);
    }
    this.pending.clear();
  }

  asLossModel(): LossModel {
    const params = new Map<string, ProbeParam>(
      [...this.variables].map(([name, variable]) => [name, { name, variable, castable: this.plan.castable.has(name) }]),
    );
    return {
      kind: 'loss',
      name: basename(this.file).replace(/\.onnx$/i, ''),
      layers: this.plan.groups.map((g) => ({ name: g.name, params: g.params.map((p) => params.get(p)!) })),
      inputs: this.graph.inputs,
      lossOf: (batch, ctx, tap) => this.lossOf(batch, ctx, tap),
      notes: this.notes,
      dispose: () => this.dispose(),
    };
  }

  dispose(): void {
    for (const map of [this.variables, this.state, this.pending, this.constants]) {
      for (const t of map.values()) t.dispose();
      map.clear();
    }
  }
}
