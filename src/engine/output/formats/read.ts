// Applies the format table to one segment of output: which format it is and what it says.
import type { EventKind, NonFiniteValue } from '../../types';
import { textFormats } from './index';
import type { TextFormat } from './types';
import { isGradNormOverflow } from '../loss-scaling';
import { hasNonFiniteValue, nonFiniteValues } from '../nonfinite-tokens';
import { readCounters } from '../generic/counters';
import { nonFiniteSlots, readSlots } from '../generic/slots';
import { VALUE_SOURCE, isLearningRate, isLoss, isSentinel, parseValue, type ParsedValue } from './values';

// tqdm's rate with a unit of samples (`unit='ex'`): the counter counts samples, not steps.
const SAMPLE_RATE = /\d\s*(?:ex|examples?|samples?|img|imgs|images?|tok|tokens?|seqs?|sequences?|sents?|records?)\/s\b/;

export interface MetricReading {
  name: string;
  value: ParsedValue;
}

/** What one segment of training output says, before the run's context (current step…) is applied. */
export interface SegmentReading {
  format: string;
  event: EventKind | 'context';
  step: number | null;
  epoch: number | null;
  metrics: MetricReading[];
  nonFinite?: { metric: string | null; value: NonFiniteValue };
  scale?: number;
  message?: string;
  /** `train`, `val`, `valid`, `test`, `eval` when the format shows it. */
  phase?: string;
  /** A progress bar's total (`?` when unknown) and description: which bar this is. */
  bar?: { total: string; desc: string };
  /**
   * Only gradient norms are non-finite while the loss is finite: a loss scaler's skipped step, or a real
   * divergence when the run has no loss scaler. `nonFinite` is set; the analyzer decides (see ../loss-scaling.ts).
   */
  gradNormOverflow?: boolean;
  /** Every non-finite metric of the segment, in text order (`nonFinite.metric` first). */
  nonFiniteNames?: string[];
  /** The segment shows its own epoch counter (not only the one of a header line above it). */
  ownEpoch?: boolean;
  /** The epoch shows a fraction (`'epoch': 0.53`): it is no counter of its own. */
  fractionalEpoch?: boolean;
  /** For overflow lines: the scale the step was attempted at. */
  fromScale?: number;
  /** The overflow format's low scale (TextFormat.lowScale). */
  lowScale?: number;
  /** The total of the line's progress counter (`i/N`), when it shows one. */
  total?: number;
  /** A progress counter at its total (`512/512`, `100%|…| 729/729`): the end of an epoch, not a step of its own. */
  atTotal?: boolean;
  /** A line a format knows by its prefix (a logging line) but whose values it could not read. */
  bare?: boolean;
  /** A row of a table printed at once (TextFormat.tableBorder): its step is the table's. */
  tableRow?: boolean;
  /** The values are running means over this many batches of the epoch (a running-mean format's counter). */
  meanOver?: number;
}

/** Table headers seen so far (YOLO-style formats), by format name. */
export type TableHeaders = Map<string, string[]>;

const PAIRS: Record<NonNullable<TextFormat['pairs']>, RegExp> = {
  kv: new RegExp(String.raw`(?<![\w./@-])['"]?(?<key>[A-Za-z_][\w./@-]*)['"]?(?<sep>\s*[:=]\s*|\s+(?:is|was)\s+|\s+)(?<value>${VALUE_SOURCE})`, 'g'),
  pipe: new RegExp(String.raw`\|\s*(?<key>[^|:]+?)\s*:\s*(?<value>${VALUE_SOURCE})\s*(?=\||$)`, 'g'),
  space: new RegExp(String.raw`\|\s*(?<key>[A-Za-z_]\w*)\s+(?<value>${VALUE_SOURCE})\s*(?=\||$)`, 'g'),
  // fields separated by tabs (or runs of spaces), each `name: value` / `name:value`, a name of up to two words
  // (LightGBM's `valid_0's l1: 0.59`, XGBoost's `train-rmse:0.42`)
  fields: new RegExp(String.raw`(?:^|\t|\s{2,})(?<key>[A-Za-z_][\w.'@-]*(?: [A-Za-z_][\w.@-]*)?)\s*:\s*(?<value>${VALUE_SOURCE})(?=\s|$)`, 'g'),
};

const STEP_KEY = /^(?:global[_ ]?step|step|iteration|iter|num_updates|_step|batch_id|batch_idx|total_it|accumulated_iter|(?:train|trainer)\/global_step)$/i;
const EPOCH_KEY = /^(?:epoch|train\/epoch)$/i;
const EPOCH_BAR = /^\s*epochs?\s*:?\s*$/i;
const IGNORED_KEY = /^(?:v_num|eta|time|data_time|memory|rank|pid|line|lineno)$/i;
const NAN_ITERATIONS = /\bnan[ _]iter(?:ation)?s\b/i;
const SKIPPED_ITERATIONS = /\bskipped[ _]iter(?:ation)?s\b/i;
const MESSAGE_METRIC = /\b(\w*loss\w*)\b/i;
const MESSAGE_VALUE = /(?<![\w.])(-?)(nan|inf(?:inity)?)(?![\w])/i;

function readPairs(region: string, style: NonNullable<TextFormat['pairs']>): { metrics: MetricReading[]; step: number | null; epoch: number | null; fractionalEpoch: boolean } {
  const metrics: MetricReading[] = [];
  let step: number | null = null;
  let epoch: number | null = null;
  let fractionalEpoch = false;
  for (const m of region.matchAll(PAIRS[style])) {
    const g = m.groups!;
    const name = g.key.trim();
    // A bare space separates a key from its value only for losses (`loss tensor(nan)`), never `from inf`.
    // A bare space or `is` separates a key from its value only for losses and learning rates (`loss 3.2`, `lr 1e-4`), never `from inf`.
    if (g.sep !== undefined && !/[:=]/.test(g.sep) && !isLoss(name) && !(isLearningRate(name) && !/is|was/.test(g.sep))) continue;
    const value = parseValue(g.value);
    if (!value) continue;
    if (STEP_KEY.test(name) && value.finite) step ??= value.value;
    // (`Num batches each epoch = 1250` counts batches per epoch)
    else if (EPOCH_KEY.test(name) && /\b(?:each|per|every)\s*$/i.test(region.slice(0, m.index))) continue;
    else if (EPOCH_KEY.test(name) && value.finite && epoch === null) {
      epoch = value.value;
      fractionalEpoch = g.value.includes('.');
    }
    else if (!IGNORED_KEY.test(name)) metrics.push({ name, value });
  }
  return { metrics, step, epoch, fractionalEpoch };
}

function numberOf(text: string | undefined): number | null {
  if (text === undefined) return null;
  const v = Number(text);
  return Number.isFinite(v) ? v : null;
}

function messageValue(message: string | undefined, captured: string | undefined): NonFiniteValue {
  const parsed = captured ? parseValue(captured) : null;
  if (parsed && !parsed.finite) return parsed.value;
  const m = message ? MESSAGE_VALUE.exec(message) : null;
  if (!m) return 'error';
  if (m[2].toLowerCase() === 'nan') return 'nan';
  return m[1] === '-' ? '-inf' : 'inf';
}

/** The first non-finite metric that is a real divergence (not a `best: inf` sentinel). */
function firstNonFinite(metrics: MetricReading[]): MetricReading | undefined {
  return metrics.find((m) => !m.value.finite && !isSentinel(m.name, m.value.value));
}

// A phase word is no column of its own: `train loss`, `valid loss` (fastai v1's header) are one column each.
const PHASE_WORD = /^(?:train|training|valid|validation|val|test|eval)$/i;

/** A header's column names: whitespace-separated, a phase word joined to the name after it. */
function headerColumns(columns: string): string[] {
  const words = columns.trim().split(/\s+/);
  const out: string[] = [];
  for (let i = 0; i < words.length; i++) out.push(PHASE_WORD.test(words[i]) && i + 1 < words.length ? `${words[i]} ${words[++i]}` : words[i]);
  return out;
}

function readTable(format: TextFormat, groups: Record<string, string | undefined>, headers: TableHeaders): { metrics: MetricReading[]; epoch: number | null } {
  const columns = headers.get(format.name);
  const values = (groups.values ?? '').trim().split(/\s+/);
  if (!columns || (format.exactColumns && columns.length !== values.length)) return { metrics: [], epoch: null };
  const metrics: MetricReading[] = [];
  let epoch: number | null = null;
  values.forEach((raw, i) => {
    const name = columns[i];
    // an epoch column counts (`0`, not YOLO's `0/299`, which its own format reads)
    if (name && /^epoch$/i.test(name) && /^\d+$/.test(raw)) epoch = Number(raw);
    if (!name || /^(?:epoch|gpu_mem)$/i.test(name)) return;
    const value = parseValue(raw);
    if (value) metrics.push({ name, value });
  });
  return { metrics, epoch };
}

function readMatch(format: TextFormat, groups: Record<string, string | undefined>, text: string, headers: TableHeaders): SegmentReading {
  const reading: SegmentReading = {
    format: format.name,
    event: format.event ?? 'step',
    step: numberOf(groups.step),
    epoch: numberOf(groups.epoch),
    metrics: [],
    phase: groups.phase,
  };
  if (format.stepFromZero && reading.step !== null) reading.step += 1;
  if (format.progressBar) reading.bar = { total: groups.total ?? '?', desc: (groups.desc ?? '').trim() };
  // a bar over the epochs (OpenPCDet's `epochs:   0%| | 0/24 [..., loss=nan, lr=…]`): its counter is the epoch
  if (format.progressBar && EPOCH_BAR.test(groups.desc ?? '') && reading.step !== null) {
    reading.epoch = reading.step;
    reading.step = null;
  }
  if (format.tableBorder) reading.tableRow = true;
  if (groups.message) reading.message = groups.message.trim();
  if (groups.scale !== undefined) reading.scale = numberOf(groups.scale) ?? undefined;
  if (format.lowScale !== undefined) reading.lowScale = format.lowScale;
  if (groups.from !== undefined) reading.fromScale = numberOf(groups.from) ?? undefined;
  for (const region of [groups.desc, groups.metrics]) {
    if (!region || !format.pairs) continue;
    const pairs = readPairs(region, format.pairs);
    reading.metrics.push(...pairs.metrics);
    reading.step ??= pairs.step;
    if (reading.epoch === null && pairs.epoch !== null) {
      reading.epoch = pairs.epoch;
      if (pairs.fractionalEpoch) reading.fractionalEpoch = true;
    }
  }
  if (format.header) {
    const { metrics: cells, epoch } = readTable(format, groups, headers);
    if (reading.epoch === null && epoch !== null) reading.epoch = epoch;
    // a column that counts steps (`Steps`, `iter`) is the row's step
    const counter = cells.find((c) => (STEP_KEY.test(c.name) || /^steps$/i.test(c.name)) && c.value.finite);
    if (counter?.value.finite && reading.step === null) reading.step = counter.value.value;
    reading.metrics.push(...cells.filter((c) => c !== counter));
  }
  // a value whose name the line does not write next to it (darknet's `182: -nan, -nan avg loss`): the format's metric
  const keyed = groups.key ?? (groups.value !== undefined && !format.nonFinite ? format.metric : undefined);
  if (keyed !== undefined && groups.value !== undefined) {
    const value = parseValue(groups.value);
    const key = keyed;
    if (value && (STEP_KEY.test(key) || format.stepKeys?.test(key)) && value.finite) reading.step = value.value;
    else if (value && EPOCH_KEY.test(key) && value.finite) reading.epoch = value.value;
    else if (value) reading.metrics.push({ name: key, value });
  }
  if (format.emptyWhen?.test(text)) reading.metrics = reading.metrics.filter((m) => m.value.finite);
  // A training bar whose rate is in samples (`24700.60ex/s, cont=nan`) counts samples: no step. (A bar without
  // metrics, a dataset's `Map: … examples/s`, keeps its counter for the bar roles.)
  if (format.progressBar && reading.metrics.length > 0 && SAMPLE_RATE.test(groups.metrics ?? '')) reading.step = null;
  if ((reading.step === null || reading.epoch === null) && (format.pairs || format.nonFinite)) {
    const counters = readCounters(text);
    reading.step ??= counters.step;
    if (reading.epoch === null && counters.epoch !== null) {
      reading.epoch = counters.epoch;
      if (counters.fractionalEpoch) reading.fractionalEpoch = true;
    }
  }
  if (format.stepIsEpoch && reading.step === null) reading.step = reading.epoch;
  if (groups.total !== undefined && /^\d+$/.test(groups.total)) reading.total = Number(groups.total);
  if (reading.total !== undefined && reading.step !== null && reading.total > 1 && reading.step === reading.total) reading.atTotal = true;
  if (format.runningMean && reading.step !== null) reading.meanOver = reading.step;

  if (format.nonFinite) {
    if (format.nonFinite === 'from-message') {
      const named = groups.metric ?? format.metric ?? MESSAGE_METRIC.exec(groups.message ?? '')?.[1]?.toLowerCase() ?? null;
      reading.nonFinite = { metric: named, value: messageValue(groups.message, groups.value) };
    } else {
      reading.nonFinite = { metric: groups.metric ?? format.metric ?? null, value: format.nonFinite };
    }
    return reading;
  }
  if (format.minimumScale !== undefined && reading.scale !== undefined && reading.scale < format.minimumScale) {
    reading.nonFinite = { metric: 'loss scale', value: 'overflow' };
    return reading;
  }
  const nanIterations = reading.metrics.find((m) => NAN_ITERATIONS.test(m.name));
  if (nanIterations?.value.finite && nanIterations.value.value > 0) {
    reading.nonFinite = { metric: 'loss', value: 'nan' };
    return reading;
  }
  reading.metrics = reading.metrics.filter((m) => !NAN_ITERATIONS.test(m.name));
  const bad = firstNonFinite(reading.metrics);
  if (bad && !bad.value.finite) {
    reading.nonFinite = { metric: bad.name, value: bad.value.value };
    reading.nonFiniteNames = reading.metrics.filter((m) => !m.value.finite && !isSentinel(m.name, m.value.value)).map((m) => m.name);
    // Whether this is a loss scaler's skipped step depends on the run, not the line: see ../loss-scaling.ts.
    const values = reading.metrics.map((m) => ({ name: m.name, finite: m.value.finite, sentinel: !m.value.finite && isSentinel(m.name, m.value.value) }));
    if (isGradNormOverflow(values)) reading.gradNormOverflow = true;
  }
  const skipped = reading.metrics.find((m) => SKIPPED_ITERATIONS.test(m.name));
  if (!reading.nonFinite && skipped?.value.finite && skipped.value.value > 0) reading.event = 'overflow';
  return reading;
}

/** Reads one segment with the format table only; null when no format recognizes it. */
function readWithFormats(text: string, headers: TableHeaders): SegmentReading | null {
  for (const format of textFormats) {
    if (format.header) {
      const h = format.header.exec(text);
      if (h?.groups?.columns) {
        headers.set(format.name, headerColumns(h.groups.columns));
        return { format: format.name, event: 'context', step: null, epoch: null, metrics: [] };
      }
      if (!headers.has(format.name) && !format.headerOptional) continue;
    }
    if (format.hints && !format.hints.some((h) => text.includes(h))) continue;
    for (const pattern of format.patterns) {
      const m = pattern.exec(text);
      if (!m) continue;
      const reading = readMatch(format, m.groups ?? {}, text, headers);
      // A progress or metric format that found nothing to say does not claim the line.
      // A line that only names an epoch (`Epoch 2: early stopping`) is not a training step.
      if (format.pairs && reading.metrics.length === 0 && reading.step === null && !format.event && !reading.nonFinite) {
        // It may still tell the epoch (`  epoch = 5.0` in an HF metrics block): context for the lines below.
        if (format.identifiesBare || reading.epoch !== null) return { format: format.name, event: 'context', step: null, epoch: reading.epoch, metrics: [], fractionalEpoch: reading.fractionalEpoch, bare: true };
        continue;
      }
      return reading;
    }
  }
  return null;
}

/**
 * The generic extractor under the format table: a non-finite value the format did not read (a key style it
 * does not know, a table cell, a value in a tensor) is still seen, named by its nearest label, with the
 * step and epoch the line's counters show.
 */
function withGenericValues(reading: SegmentReading | null, text: string): SegmentReading | null {
  // (a logging line whose pairs the format could not read, `INFO:run, …, epoch, 0198, nan, nan`, still holds values)
  if (reading?.nonFinite || (reading?.event === 'context' && !reading.bare) || !hasNonFiniteValue(text)) return reading;
  if (reading?.bare) {
    // only values in a list of values (`0198, nan, nan`), not a word of the message (`NaN check enabled: …`)
    const listed = nonFiniteValues(text).every((t) => /^\s*(?:$|[,;)\]]|[-+]?\d)/.test(text.slice(t.index + t.token.length)));
    if (!listed) return reading;
    reading = { ...reading, event: 'step', bare: undefined };
  }
  if (reading && textFormats.some((f) => f.name === reading.format && f.emptyWhen?.test(text))) return reading;
  const bad = nonFiniteSlots(readSlots(text));
  if (bad.length === 0) return reading;
  const counters = readCounters(text);
  const out: SegmentReading = reading ?? { format: 'generic', event: 'step', step: null, epoch: null, metrics: [] };
  out.step ??= counters.step;
  if (out.epoch === null && counters.epoch !== null) {
    out.epoch = counters.epoch;
    if (counters.fractionalEpoch) out.fractionalEpoch = true;
  }
  out.nonFinite = { metric: bad[0].label, value: bad[0].value.value as NonFiniteValue };
  out.nonFiniteNames = bad.map((b) => b.label ?? '');
  const known = new Set(out.metrics.map((m) => m.name));
  for (const b of bad) if (b.label && !known.has(b.label)) out.metrics.push({ name: b.label, value: b.value });
  const values = out.metrics.map((m) => ({ name: m.name, finite: m.value.finite, sentinel: !m.value.finite && isSentinel(m.name, m.value.value) }));
  if (isGradNormOverflow(values)) out.gradNormOverflow = true;
  return out;
}

/** A whole label names what a format named by its last word (`Train Loss` for `Loss`). */
function wholeOf(label: string | null, name: string): boolean {
  return !!label && (label === name || label.endsWith(` ${name}`));
}

/** The reading without its non-finite values: what remains are the finite metrics the line shows. */
function withoutNonFinite(reading: SegmentReading): void {
  delete reading.nonFinite;
  delete reading.nonFiniteNames;
  reading.metrics = reading.metrics.filter((m) => m.value.finite);
}

/**
 * The metric is named by its nearest label: a format whose key pattern takes one word (`Loss`) gives way to the
 * whole label the generic extractor reads there (`Train Loss: nan Vali Loss: nan` → `Train Loss`, `Vali Loss`).
 */
function withWholeLabels(reading: SegmentReading | null, text: string): SegmentReading | null {
  if (!reading?.nonFinite || reading.format === 'generic' || !reading.nonFiniteNames?.length) return reading;
  const names = reading.nonFiniteNames;
  const slots = nonFiniteSlots(readSlots(text));
  const labels = slots.map((s) => s.label);
  // the generic extractor saw more than the format (`Val loss: nan Val miou: nan...`): its labels, when they agree on the first
  if (labels.length > names.length && labels.every((l) => l) && wholeOf(labels[0], names[0])) {
    const known = new Set(reading.metrics.map((m) => m.name));
    for (const slot of slots) if (slot.label && !known.has(slot.label)) reading.metrics.push({ name: slot.label, value: slot.value });
    reading.metrics = reading.metrics.filter((m) => m.value.finite || labels.includes(m.name));
    reading.nonFiniteNames = labels as string[];
    reading.nonFinite = { ...reading.nonFinite!, metric: labels[0]! };
    return reading;
  }
  if (labels.length !== names.length) return reading;
  const whole = names.map((n, i) => (wholeOf(labels[i], n) ? labels[i]! : n));
  if (whole.every((w, i) => w === names[i])) return reading;
  const renamed = new Map(names.map((n, i) => [n, whole[i]]));
  // a name the line uses twice (`Loss` three times) is renamed by position, so rename the list, then the metrics in order
  let k = 0;
  reading.metrics = reading.metrics.map((m) => (!m.value.finite && !isSentinel(m.name, m.value.value) && renamed.has(m.name) && k < whole.length ? { ...m, name: whole[k++] } : m));
  reading.nonFiniteNames = whole;
  reading.nonFinite = { ...reading.nonFinite, metric: whole[0] };
  return reading;
}

/** Reads one segment (rank prefix already removed); null when neither a format nor the generic extractor finds anything. */
export function readSegment(text: string, headers: TableHeaders): SegmentReading | null {
  const reading = withWholeLabels(withGenericValues(readWithFormats(text, headers), text), text);
  // A metric line's non-finite value must be one by the value rule too: `Warning: NaN or Inf found in input tensor`
  // (tensorboardX) reads as `Warning: NaN` to a key-value pattern, and the trap list says it is a mention.
  if (reading?.nonFinite && reading.event === 'step' && reading.nonFinite.value !== 'overflow' && !hasNonFiniteValue(text)) withoutNonFinite(reading);
  // Named in full (`Mean Reward`, not the format's `Reward`), every non-finite value may be a mean of nothing yet, or
  // an evaluation score over no ground truth (`[VAL]: Mean AP = nan`): the run's training values are not non-finite.
  if (reading?.nonFinite && reading.event === 'step' && reading.nonFiniteNames?.length) {
    const value = reading.nonFinite.value;
    const labels = readSlots(text).flatMap((s) => (s.label && !s.value.finite ? [s.label] : []));
    const whole = (n: string) => labels.find((l) => wholeOf(l, n)) ?? n;
    const benign = (n: string) => isSentinel(n, value) || (value === 'nan' && SCORE_NAME.test(n) && EVALUATION_LINE.test(text));
    if (reading.nonFiniteNames.map(whole).every(benign)) withoutNonFinite(reading);
  }
  if (reading && reading.epoch !== null && reading.event !== 'context') reading.ownEpoch = true;
  return reading;
}

// Scores of an evaluation (precision, recall, AP, IoU…): 0/0 when the evaluation set has no ground truth or nothing
// was predicted, which says nothing about the training itself.
const SCORE_NAME = /^(?:(?:val|valid|validation|eval|test)[/_ ])?(?:mean )?(?:m?AP(?:\d+|_\w+)?|recall|precision|f1(?:[_-]?score)?|acc(?:uracy)?|m?iou|dice|auc|top[-_]?\d)$/i;
const EVALUATION_LINE = /^\s*(?:\[(?:VAL|VALID|VALIDATION|EVAL|TEST)\]|(?:Validation|Evaluation|Eval|Test|Testing)\b)/i;
