// Per-layer probes: statistics of each probed tensor group, and where the first non-finite value appeared.
import type { LayerStats, ProbePhase, ProbePoint } from '../../engine/types';
import { FP16_MAX } from './precision';

const FP16_MIN_SUBNORMAL = 2 ** -24;

export interface Summary {
  min: number;
  max: number;
  mean: number;
  std: number;
  absMax: number;
  nanCount: number;
  infCount: number;
  /** Sum of squares of the finite values (for norms). */
  sumSquares: number;
}

/** Accumulates one array into acc = [min, max, sum, sumSquares, finite, nan, inf], counting NaN and Inf one by one. */
function scanCounting(a: Float32Array, acc: Float64Array): void {
  let min = acc[0];
  let max = acc[1];
  let sum = acc[2];
  let sq = acc[3];
  let n = acc[4];
  let nan = acc[5];
  let inf = acc[6];
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    // only NaN and ±Infinity make x - x non-zero (NaN)
    if (x - x === 0) {
      min = Math.min(min, x);
      max = Math.max(max, x);
      sum += x;
      sq += x * x;
      n++;
    } else if (x !== x) nan++;
    else inf++;
  }
  acc[0] = min;
  acc[1] = max;
  acc[2] = sum;
  acc[3] = sq;
  acc[4] = n;
  acc[5] = nan;
  acc[6] = inf;
}

/**
 * The fast path: a branch-free pass assuming every value is finite. A NaN or Inf anywhere makes the sum or the
 * sum of squares non-finite (float32 values cannot overflow a double sum), and then the counting pass runs instead.
 */
function scan(a: Float32Array, acc: Float64Array): void {
  const len = a.length;
  // A tensor poisoned by NaN is usually NaN throughout: then only the counting pass is worth running.
  if (len > 0 && (a[0] - a[0] !== 0 || a[len - 1] - a[len - 1] !== 0)) return scanCounting(a, acc);
  let min = acc[0];
  let max = acc[1];
  let sum = 0;
  let sq = 0;
  for (let i = 0; i < len; i++) {
    const x = a[i];
    min = x < min ? x : min;
    max = x > max ? x : max;
    sum += x;
    sq += x * x;
  }
  if (Number.isFinite(sum) && Number.isFinite(sq)) {
    acc[0] = min;
    acc[1] = max;
    acc[2] += sum;
    acc[3] += sq;
    acc[4] += len;
  } else {
    scanCounting(a, acc);
  }
}

const START = [Infinity, -Infinity, 0, 0, 0, 0, 0];

/** One pass over the values of a group of tensors; min/max/mean/std are over the finite values. */
// One accumulator for every summary (summaries never overlap: they are synchronous).
const acc = new Float64Array(7);

export function summarize(arrays: ArrayLike<number>[]): Summary {
  acc.set(START);
  for (const a of arrays) scan(a instanceof Float32Array ? a : Float32Array.from(a), acc);
  const [min, max, sum, sq, n, nan, inf] = acc;
  if (n === 0) return { min: 0, max: 0, mean: 0, std: 0, absMax: 0, nanCount: nan, infCount: inf, sumSquares: 0 };
  const mean = sum / n;
  const variance = Math.max(0, sq / n - mean * mean);
  return { min, max, mean, std: Math.sqrt(variance), absMax: Math.max(-min, max), nanCount: nan, infCount: inf, sumSquares: sq };
}

/** log2(fp16 max / absMax): the doublings left before fp16 overflows (capped where absMax is 0 or below fp16's smallest step). */
export function fp16Headroom(absMax: number): number {
  return Math.log2(FP16_MAX / Math.max(absMax, FP16_MIN_SUBNORMAL));
}

export function toLayerStats(iteration: number, layer: string, phase: ProbePhase, s: Summary, extra: Partial<LayerStats> = {}): LayerStats {
  return {
    iteration,
    layer,
    phase,
    min: s.min,
    max: s.max,
    mean: s.mean,
    std: s.std,
    absMax: s.absMax,
    nanCount: s.nanCount,
    infCount: s.infCount,
    fp16Headroom: fp16Headroom(s.absMax),
    ...extra,
  };
}

/**
 * The statistics of every value multiplied by c and rounded (a gradient clip), from those before it, without
 * another pass: c = 1 changes nothing; NaN makes everything NaN; 0 makes finite values 0 and Inf NaN; for
 * 0 < c < 1 rounding is monotonic, so min, max, absMax and the counts are exact and mean and std are scaled.
 */
export function scaledStats(from: LayerStats, c: number, round: (x: number) => number, count: number): LayerStats {
  if (c === 1) return { ...from };
  const zero = { min: 0, max: 0, mean: 0, std: 0, absMax: 0, infCount: 0, fp16Headroom: fp16Headroom(0) };
  if (c !== c) return { ...from, ...zero, nanCount: count };
  if (c === 0) return { ...from, ...zero, nanCount: from.nanCount + from.infCount };
  const absMax = round(from.absMax * c);
  return { ...from, min: round(from.min * c), max: round(from.max * c), mean: from.mean * c, std: from.std * c, absMax, fp16Headroom: fp16Headroom(absMax) };
}

/** Whether a record's NaN and Inf make it non-finite: all of them, none (a skipped step), or NaN only (a mask's -inf). */
export type Counts = boolean | 'nan-only';

/** The phases a training log or a forward hook would show. */
const VISIBLE: ReadonlySet<ProbePhase> = new Set(['input', 'forward', 'loss', 'backward']);

/** Collects probe statistics in the order they happen and keeps the first non-finite point and its origin. */
export class ProbeRecorder {
  readonly stats: LayerStats[] = [];
  firstNonFinite: ProbePoint | null = null;
  origin: ProbePoint | null = null;

  constructor(private readonly keepStats: boolean) {}

  /**
   * Records one group; `counts` false for values the run recovers from (a loss-scaler overflow that skips the step),
   * 'nan-only' for outputs whose infinities are meant (an attention mask filled with -inf).
   */
  record(iteration: number, layer: string, phase: ProbePhase, arrays: ArrayLike<number>[], extra: Partial<LayerStats> = {}, counts: Counts = true): Summary {
    const s = summarize(arrays);
    this.add(iteration, layer, phase, s, extra, counts);
    return s;
  }

  /** Records a summary already computed. */
  add(iteration: number, layer: string, phase: ProbePhase, s: Summary, extra: Partial<LayerStats> = {}, counts: Counts = true): void {
    // JSON has no Infinity or NaN: a ratio that is not finite is left out (the NaN/Inf counts tell the story).
    for (const k of ['weightNorm', 'updateRatio'] as const) if (extra[k] !== undefined && !Number.isFinite(extra[k])) delete extra[k];
    if (counts === 'nan-only' && s.infCount > 0) extra = { ...extra, maskInfinities: true };
    if (this.keepStats) this.stats.push(toLayerStats(iteration, layer, phase, s, extra));
    if (counts && s.nanCount + (counts === 'nan-only' ? 0 : s.infCount) > 0) this.mark({ iteration, layer, phase });
  }

  /** A value became unrepresentable in the emulated precision without being non-finite yet (an fp32 master weight beyond fp16's range under autocast). */
  markOrigin(point: ProbePoint): void {
    if (!this.origin) this.origin = point;
  }

  /** Records a phase whose statistics follow from an earlier record's (see scaledStats). */
  recordDerived(from: LayerStats, phase: ProbePhase, coefficient: number, round: (x: number) => number, count: number): void {
    const st = { ...scaledStats(from, coefficient, round, count), phase };
    if (this.keepStats) this.stats.push(st);
    if (st.nanCount + st.infCount > 0) this.mark({ iteration: st.iteration, layer: st.layer, phase });
  }

  /** Marks a point as non-finite without statistics (the unprobed replay only watches the loss). */
  mark(point: ProbePoint): void {
    if (!this.origin) this.origin = point;
    if (!this.firstNonFinite && VISIBLE.has(point.phase)) this.firstNonFinite = point;
  }
}
