// The training replay: forward, loss, backward, loss scaling, clipping and the optimizer step, probed per layer.
import * as tf from '@tensorflow/tfjs-core';
// Gradient functions are registered only by the union package; the replay needs them for backprop.
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import type { LossValue, ProbeReport } from '../../engine/types';
import { selectBackend, type BackendName } from '../worker/backend';
import { clipGradNorm } from './clip';
import { createBatchSource, type BatchSource } from '../data/batches';
import { createGraphBatchSource } from '../data/graph-batches';
import { chainAsLossModel } from '../models/chain';
import { loadModel, type ComputeContext, type LossModel, type NamedBatch, type ProbeParam, type Tap } from '../models/index';
import { createOptimizer, type Optimizer, type OptimizerParam } from './optimizers/index';
import { FP16_MAX, rounder, roundArray, type Precision } from './precision';
import { ProbeRecorder, summarize } from './probes';
import { learningRateAt } from './schedule';
import { LossScaler } from './loss-scale';
import { resolveSettings, usedHyperparameters, validatesAfter, type ProbeSpec, type ReplaySettings } from '../spec';

export interface Replay {
  readonly backend: BackendName;
  readonly layers: string[];
  readonly settings: ReplaySettings;
  /** Iterations run so far. */
  readonly iteration: number;
  /** The last iteration's loss (unscaled), or null before the first. */
  readonly loss: number | null;
  /** Runs the next training iteration (and the validation pass after it, when due). */
  step(): Promise<void>;
  report(): ProbeReport;
  dispose(): void;
}

interface Slot extends OptimizerParam {
  layer: string;
  param: ProbeParam;
  /** Precision of the copy the forward pass reads (fp16 under autocast for matmul weights). */
  forward: Precision;
  /** Precision of the gradient the backward pass produces for it. */
  gradPrecision: Precision;
}

export interface ReplayOptions {
  /** false: no per-layer statistics (only the loss is watched), for the probe-overhead benchmark. */
  probes?: boolean;
}

export async function createReplay(spec: ProbeSpec, o: ReplayOptions = {}): Promise<Replay> {
  const probed = o.probes ?? spec.probes ?? true;
  const iterations = spec.iterations ?? 5;
  const settings = resolveSettings(spec.hyperparameters ?? {}, iterations);
  const { name: backend } = await selectBackend(spec.backend);
  const model = await loadModel(spec.model, { seed: settings.seed, allowCode: spec.allowCode });
  let data: BatchSource;
  let runner: LossModel;
  try {
    if (!model.layers.some((l) => l.params.length > 0)) throw new Error(`${spec.model}: the model has no trainable parameters to replay`);
    const h = spec.hyperparameters ?? {};
    const n = (k: string): number | undefined => (h[k] === undefined ? undefined : Number(h[k]));
    const options = { seed: settings.seed, batchSize: n('batch_size'), inputScale: n('input_scale'), targetScale: n('target_scale') };
    if (model.kind === 'loss') {
      if (settings.loss) throw new Error(`${spec.model}: the model computes its own loss; the loss setting (${settings.loss}) does not apply to it`);
      data = createGraphBatchSource(spec.data, model, { ...options, source: spec.model });
      runner = model;
    } else {
      if (settings.loss) model.loss = settings.loss;
      data = createBatchSource(spec.data, model, options);
      runner = chainAsLossModel(model);
    }
  } catch (err) {
    model.dispose();
    throw err;
  }
  return new TrainingReplay(spec, settings, backend, runner, data, probed);
}

/** A loss as the report writes it: JSON has no NaN or Infinity (contract: "nan", "inf", "-inf"). */
export function lossValue(v: number): LossValue {
  if (Number.isNaN(v)) return 'nan';
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
  return v;
}

class TrainingReplay implements Replay {
  iteration = 0;
  loss: number | null = null;
  readonly layers: string[];
  private readonly losses: LossValue[] = [];
  private readonly recorder: ProbeRecorder;
  private readonly optimizer: Optimizer;
  private readonly scaler: LossScaler | null;
  private readonly slots: Slot[];
  /** The slots of each layer, in layer order (layers without parameters have none). */
  private readonly groups: Map<string, Slot[]>;
  private weightDtype: Precision;
  private optimizerSteps = 0;

  constructor(
    private readonly spec: ProbeSpec,
    readonly settings: ReplaySettings,
    readonly backend: BackendName,
    private readonly model: LossModel,
    private readonly data: BatchSource,
    private readonly probed: boolean,
  ) {
    this.layers = model.layers.map((l) => l.name);
    this.recorder = new ProbeRecorder(probed);
    this.optimizer = createOptimizer(settings);
    this.weightDtype = settings.weightDtype;
    // GradScaler only runs with fp16 autocast over fp32 master weights (torch refuses to unscale fp16 gradients).
    this.scaler = this.amp && settings.mixedPrecision === 'fp16' ? new LossScaler(settings.lossScale) : null;
    this.slots = model.layers.flatMap((l) =>
      l.params.map((param) => {
        const weights = roundArray(param.variable.dataSync() as Float32Array, this.weightDtype);
        const slot: Slot = { layer: l.name, param, weights, grad: new Float32Array(0), state: new Map(), precision: this.weightDtype, forward: 'fp32', gradPrecision: 'fp32' };
        return slot;
      }),
    );
    this.groups = new Map(this.layers.map((l) => [l, this.slots.filter((s) => s.layer === l)]));
    this.assignPrecisions();
  }

  /** Autocast: fp32 master weights with a lower compute precision. */
  private get amp(): boolean {
    return this.weightDtype === 'fp32' && this.settings.mixedPrecision !== 'fp32';
  }

  private get ctx(): ComputeContext {
    const mixed = this.settings.mixedPrecision;
    return { matmul: mixed !== 'fp32' && this.amp ? mixed : this.weightDtype, other: this.amp ? 'fp32' : this.weightDtype, training: true };
  }

  private assignPrecisions(): void {
    const ctx = this.ctx;
    for (const s of this.slots) {
      s.precision = this.weightDtype;
      s.forward = this.amp && s.param.castable ? ctx.matmul : this.weightDtype;
      s.gradPrecision = s.forward;
      roundArray(s.weights, this.weightDtype, s.weights);
      this.writeWeights(s);
    }
  }

  private writeWeights(s: Slot): void {
    const values = s.forward === s.precision ? s.weights : roundArray(s.weights, s.forward);
    tf.tidy(() => s.param.variable.assign(tf.tensor(values, s.param.variable.shape, 'float32')));
  }

  /** The backward probe: each layer's parameter gradients as one group. */
  private recordGradients(it: number, counts: boolean): void {
    for (const [layer, slots] of this.groups) {
      // Layers without parameters (pooling, activations) have no gradients to show.
      if (slots.length) this.recorder.record(it, layer, 'backward', slots.map((s) => s.grad), {}, counts);
    }
  }

  async step(): Promise<void> {
    const it = ++this.iteration;
    const rec = this.recorder;
    const batch = this.data.batch(it);
    try {
      if (this.probed) rec.record(it, 'input', 'input', Object.values(batch).map((t) => t.dataSync()));
      const scale = this.scaler?.scale ?? 1;
      const outputs = this.forwardBackward(it, batch, scale);
      try {
        this.afterBackward(it, outputs);
      } finally {
        for (const g of Object.values(outputs.grads)) g.dispose();
        outputs.loss.dispose();
      }
    } finally {
      for (const t of Object.values(batch)) t.dispose();
    }
    if (validatesAfter(this.settings.validation, it)) this.validate(it);
    // Yield so a cancel message or an abort signal can land between iterations.
    await new Promise((resolve) => setImmediate(resolve));
  }

  /** The forward pass (probed layer by layer as it runs) and the backward pass of the scaled loss. */
  private forwardBackward(it: number, batch: NamedBatch, scale: number): { loss: tf.Scalar; grads: tf.NamedTensorMap } {
    const ctx = this.ctx;
    let loss: tf.Scalar | null = null;
    const vars = this.slots.map((s) => s.param.variable);
    const tap: Tap | undefined = this.probed
      ? (layer, outputs, masked) => void this.recorder.record(it, layer, 'forward', outputs.map((t) => t.dataSync()), {}, masked ? 'nan-only' : true)
      : undefined;
    const { value, grads } = tf.variableGrads(() => {
      loss = tf.keep(this.model.lossOf(batch, ctx, tap));
      return scale !== 1 ? tf.mul(loss, scale) : loss;
    }, vars);
    if (value !== loss) value.dispose();
    return { loss: loss!, grads };
  }

  private afterBackward(it: number, out: { loss: tf.Scalar; grads: tf.NamedTensorMap }): void {
    const rec = this.recorder;
    const loss = out.loss.dataSync()[0];
    this.loss = loss;
    this.losses.push(lossValue(loss));
    if (this.probed) rec.record(it, 'loss', 'loss', [[loss]]);
    else if (!Number.isFinite(loss)) rec.mark({ iteration: it, layer: 'loss', phase: 'loss' });
    for (const s of this.slots) {
      const g = out.grads[s.param.variable.name];
      // A parameter the loss does not reach has a zero gradient here (torch would leave .grad None and skip it).
      const n = s.weights.length;
      // The gradient buffer is reused across steps (fewer 6 MB allocations on the seed replica).
      const buffer = s.grad.length === n ? s.grad : new Float32Array(n);
      if (g) roundArray(g.dataSync() as Float32Array, s.gradPrecision, buffer);
      else buffer.fill(0);
      s.grad = buffer;
    }
    const scaler = this.scaler;
    let skip = false;
    const backwardStart = rec.stats.length;
    if (scaler) {
      skip = scaler.unscale(this.slots.map((s) => s.grad));
      // An overflow the scaler catches skips the step; the run recovers, so it is not an incident.
      if (this.probed) this.recordGradients(it, !skip);
      scaler.update(skip);
    } else if (this.probed) {
      this.recordGradients(it, true);
    }
    if (skip) return;
    if (this.settings.maxGradNorm !== null) {
      const backward = rec.stats.slice(backwardStart);
      const coefficient = clipGradNorm(this.slots.map((s) => ({ values: s.grad, precision: s.precision })), this.settings.maxGradNorm).coefficient;
      if (this.probed) {
        // Clipping multiplies every gradient by one coefficient: its statistics follow from the backward ones.
        for (const st of backward) {
          const slots = this.groups.get(st.layer) ?? [];
          const count = slots.reduce((n, s) => n + s.grad.length, 0);
          rec.recordDerived(st, 'clip', coefficient, rounder(slots[0]?.precision ?? 'fp32'), count);
        }
      }
    }
    const s = this.settings;
    const lr = learningRateAt(s.learningRate, it, s.scheduler, s.warmupSteps, s.totalSteps);
    for (const slot of this.slots) {
      if (!this.probed) slot.norms = undefined;
      else if (slot.norms) slot.norms.old = slot.norms.delta = 0;
      else slot.norms = { old: 0, delta: 0 };
    }
    this.optimizer.step(this.slots, lr, ++this.optimizerSteps);
    if (this.probed) this.recordUpdate(it);
    for (const slot of this.slots) this.writeWeights(slot);
  }

  private recordUpdate(it: number): void {
    const rec = this.recorder;
    const names = this.optimizer.stateNames;
    for (const [layer, slots] of this.groups) {
      if (!slots.length) continue;
      const states: Float32Array[] = [];
      const weights: Float32Array[] = [];
      let old = 0;
      let delta = 0;
      let castsToFp16 = false;
      for (const slot of slots) {
        for (const n of names) {
          const a = slot.state.get(n);
          if (a) states.push(a);
        }
        weights.push(slot.weights);
        old += slot.norms?.old ?? 0;
        delta += slot.norms?.delta ?? 0;
        // Under autocast the forward pass casts these weights to fp16: beyond 65504 they are already lost.
        castsToFp16 ||= slot.forward === 'fp16' && slot.precision !== 'fp16';
      }
      if (states.length) rec.record(it, layer, 'optimizer-state', states);
      const summary = summarize(weights);
      rec.add(it, layer, 'update', summary, { weightNorm: Math.sqrt(summary.sumSquares), updateRatio: old > 0 ? Math.sqrt(delta / old) : 0 });
      if (castsToFp16 && summary.absMax > FP16_MAX) rec.markOrigin({ iteration: it, layer, phase: 'update' });
    }
  }

  /** A validation pass between iterations; with validation_dtype it casts the modules in place, as a pipeline built from them may. */
  private validate(it: number): void {
    if (this.settings.validationDtype && this.settings.validationDtype !== this.weightDtype) {
      this.weightDtype = this.settings.validationDtype;
      this.assignPrecisions();
    }
    const ctx = { ...this.ctx, training: false };
    const batch = this.data.batch(it);
    try {
      tf.tidy(() => void this.model.lossOf(batch, ctx, (layer, outputs, masked) => void this.recorder.record(it, layer, 'validation', outputs.map((t) => t.dataSync()), {}, masked ? 'nan-only' : true)));
    } finally {
      for (const t of Object.values(batch)) t.dispose();
    }
  }

  report(): ProbeReport {
    const r: ProbeReport = {
      version: 1,
      backend: this.backend,
      iterations: this.iteration,
      layers: this.layers,
      firstNonFinite: this.recorder.firstNonFinite,
      origin: this.recorder.origin,
      counterfactuals: [],
      hyperparameters: usedHyperparameters(this.settings),
      model: this.spec.model,
      losses: [...this.losses],
    };
    if (this.model.standIn) r.standIn = true;
    if (this.model.notes?.length) r.notes = [...this.model.notes];
    if (this.probed) r.stats = this.recorder.stats;
    return r;
  }

  dispose(): void {
    this.data.dispose?.();
    this.model.dispose();
  }
}
