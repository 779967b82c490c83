// Bytes of training output in; events and the run's incident out. The CLI, the file watcher and the
// language server's terminal watching all go through this.
import type { EventKind, Incident, RunScan, TrainingEvent } from '../types';
import { commandLine, notableLines, progressBarEnd, rankPrefixes, textFormats, trainingEndLines } from './formats/index';
import { readSegment, type SegmentReading, type TableHeaders } from './formats/read';
import { IncidentTracker } from './incident';
import { LineReader, type OutputSegment } from './lines';
import { LossScalingEvidence, OverflowCascade } from './loss-scaling';
import { isExceptionLine, TracebackState } from './traceback';
import { readCounters } from './generic/counters';
import { isSettingsRecord } from './formats/values';

export interface RunAnalyzer {
  feed(chunk: Uint8Array | string): void;
  end(): void;
  result(): RunScan;
  incident(): Incident | null;
  onIncident(cb: (incident: Incident) => void): void;
  onEvent(cb: (event: TrainingEvent) => void): void;
}

/** What the fast scan path needs beyond the public face: jumping over lines it counted itself. */
export interface SkippingRunAnalyzer extends RunAnalyzer {
  /** The next byte fed starts line `line` (only call between whole lines). */
  skipTo(line: number): void;
  readonly tracker: IncidentTracker;
}

const NON_TRAIN_PHASE: Record<string, EventKind> = { val: 'validation', valid: 'validation', validation: 'validation', test: 'evaluation', eval: 'evaluation' };
const VALIDATION_DESC = /^\s*(?:Validation|Validating|Sanity Checking|Testing|Evaluating|Eval|val)\b/i;

function stripRank(text: string): { text: string; rank: number | null } {
  for (const prefix of rankPrefixes) {
    const m = prefix.exec(text);
    if (m) return { text: text.slice(m[0].length), rank: Number(m.groups!.rank) };
  }
  return { text, rank: null };
}

/**
 * tqdm redraws without a newline, so a line printed meanwhile (Python logging, an HF metrics dict) lands
 * right after a bar's text: `…| 1/30000 [00:04<40:34:55,  4.87s/it]11/25/2026 10:03:18 - INFO - …`.
 * The text after a complete bar is read as a segment of its own.
 */
export function splitAfterBars(text: string): string[] {
  const pieces: string[] = [];
  let rest = text;
  while (rest.includes('|') || rest.includes('it [')) {
    const m = progressBarEnd.exec(rest);
    if (!m) break;
    const end = m.index + m[0].length;
    const after = rest.slice(end);
    // Nothing follows, or the bar's bracket did not really end there (`lr=[1e-05]]`, `tensor([nan])]`).
    if (after.trim() === '' || /^[^[]*\]/.test(after)) break;
    pieces.push(rest.slice(0, end));
    rest = after.replace(/^\s+/, '');
  }
  pieces.push(rest);
  return pieces;
}

/** Which progress bar a run's training counter comes from, per rank. */
interface BarState {
  /** The training bar: its total, its description (digits ignored: `Epoch 3`), whether it carried metrics, whether it finished. */
  main: { total: string; desc: string; metrics: boolean; done: boolean } | null;
  /** The total of the validation progress bar under way, if any. */
  side: string | null;
  /** A validation/evaluation event happened since the training bar last drew. */
  afterValidation: boolean;
  /** Training said it ended (`***** train metrics *****`): bars from now on are evaluation's. */
  trainingOver?: boolean;
}

type BarRole = 'training' | 'validation' | 'other';

function descKey(desc: string): string {
  return desc.replace(/\d+/g, '#').replace(/[:\s]+$/, '');
}

/**
 * Nested bars (a diffusion pipeline's denoising loop, an evaluation loop, dataset maps) must not move the
 * training counter. The training bar is the run's main bar (same total, or same description), or the bar
 * that carries the training metrics; a bar with another total that starts after a validation/evaluation
 * event is that validation's progress; a finished bar without metrics (a dataset map) gives way to the next.
 */
function barRole(state: BarState, bar: { total: string; desc: string }, step: number | null, hasMetrics: boolean): BarRole {
  const desc = descKey(bar.desc);
  const done = step !== null && String(step) === bar.total;
  const becomeMain = (): BarRole => {
    state.main = { total: bar.total, desc, metrics: hasMetrics, done };
    state.side = null;
    state.afterValidation = false;
    return 'training';
  };
  const main = state.main;
  if (state.trainingOver) return 'validation';
  if (!main) return becomeMain();
  if (bar.total === main.total || (desc !== '' && desc === main.desc)) {
    const metrics = main.metrics || hasMetrics;
    becomeMain();
    state.main!.metrics = metrics;
    return 'training';
  }
  if (bar.total === state.side || state.afterValidation) {
    state.side = bar.total;
    return 'validation';
  }
  if (hasMetrics || (main.done && !main.metrics)) return becomeMain();
  return 'other';
}

const TIMESTAMPED_COUNTER = /^\[?\d{4}[-/]\d{2}[-/]\d{2}[ T]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?\]?\s+(\d+)\s+(?=[-\d.]|nan|inf)/i;

/** The integer right after a line's timestamp, when values follow it. */
function leadingCounter(text: string): number | null {
  const m = TIMESTAMPED_COUNTER.exec(text);
  return m ? Number(m[1]) : null;
}

/** The run's main loss is exactly 0 on this event: a loss that collapsed after a non-finite gradient. */
function lossIsZero(e: TrainingEvent): boolean {
  return Object.entries(e.metrics ?? {}).some(([name, value]) => /^(?:train[/_])?loss$/i.test(name) && value === 0);
}

function notableKind(text: string): EventKind | null {
  for (const n of notableLines) if (n.pattern.test(text)) return n.event;
  return null;
}

/** The borders that end a table printed at once (TextFormat.tableBorder). */
const tableBorders = textFormats.flatMap((f) => (f.tableBorder ? [f.tableBorder] : []));

export function createRunAnalyzer(log: string): SkippingRunAnalyzer {
  const tracker = new IncidentTracker();
  const headers: TableHeaders = new Map();
  const incidentListeners: ((i: Incident) => void)[] = [];
  const eventListeners: ((e: TrainingEvent) => void)[] = [];
  let command: string | undefined;
  // The training step the run is at, per rank: events without their own step happen "at" it.
  const currentStep = new Map<number | null, number>();
  const currentEpoch = new Map<number | null, number>();
  // Ranks whose epoch is a fraction (`'epoch': 0.53`, `epoch = 5.0`): a position in training, never a step.
  const fractionalEpoch = new Set<number | null>();
  const setEpoch = (rank: number | null, epoch: number, fractional: boolean): void => {
    currentEpoch.set(rank, epoch);
    if (fractional) fractionalEpoch.add(rank);
    else fractionalEpoch.delete(rank);
  };
  let sameLineStep: { line: number; rank: number | null; step: number } = { line: -1, rank: null, step: 0 };
  const bars = new Map<number | null, BarState>();
  const barsOf = (rank: number | null): BarState => {
    let state = bars.get(rank);
    if (!state) bars.set(rank, (state = { main: null, side: null, afterValidation: false }));
    return state;
  };
  const lossScaling = new LossScalingEvidence();
  const cascade = new OverflowCascade();
  const tracebacks = new TracebackState();
  // The epoch of each rank's last training step: an epoch-only line is its own step only when the epoch moved.
  const lastStepEpoch = new Map<number | null, number | null>();
  // The last progress counter of each rank (`4/10`): a counter at its total right after it is a step, not an epoch's end.
  const lastCounter = new Map<number | null, { step: number; total: number }>();
  const lastLead = new Map<number | null, number>();
  // The last step and epoch a rank's line showed itself, to see a step counter that does not advance.
  const lastOwnCounters = new Map<number | null, { step: number; epoch: number | null }>();
  // A non-finite gradient norm next to a finite loss, held until the rank's next step tells a skipped step from a divergence.
  const heldGradNorm = new Map<number | null, TrainingEvent>();
  // A non-finite event whose line shows no counter and came before any: the next training counter within a few lines is its step.
  // `during`: the event has the step the run was at, but it was printed while the next one ran (a script's warning).
  // `lines`: how far below the counter may come (a table's rows share the counter row wherever it is in the table).
  let stepWanted: { event: TrainingEvent; during?: boolean; lines?: number } | null = null;
  const STEP_LOOKAHEAD_LINES = 3;
  const TABLE_LOOKAHEAD_LINES = 60;
  // The step of the table being printed (stable-baselines' `| n_updates | 30 |`), per rank, until its border ends it.
  const tableStep = new Map<number | null, number>();
  // The last step a table's counter row set the run to.
  const tableCounter = new Map<number | null, number>();

  // tqdm redraws a bar when the step advances, still showing the previous step's postfix: that is no new value.
  const lastBarMetrics = new Map<number | null, { step: string; text: string }>();
  function isStaleRedraw(reading: SegmentReading, rank: number | null, metrics: Record<string, number>): boolean {
    const text = JSON.stringify(metrics);
    const at = `${reading.epoch ?? currentEpoch.get(rank) ?? ''}:${reading.step}`;
    const last = lastBarMetrics.get(rank);
    lastBarMetrics.set(rank, { step: at, text });
    if (last === undefined || reading.step === null) return false;
    // A redraw of the same step with the same values (after a validation printed over the bar) is no new step either;
    // new values at the same step are the step's own (`update()` then `set_postfix()` draws the step twice).
    if (last.step === at) return last.text === text;
    return (reading.format === 'tqdm' || reading.format === 'lightning') && last.text === text;
  }

  function emit(e: TrainingEvent): void {
    for (const cb of eventListeners) cb(e);
    lossScaling.noteEvent(e);
    noteScaler(e);
    if (e.kind === 'validation' || e.kind === 'evaluation') {
      const state = barsOf(e.rank);
      if (state.main) state.afterValidation = true;
    }
    const established = tracker.add(e, currentEpoch.get(e.rank) ?? null);
    if (established) for (const cb of incidentListeners) cb(established);
  }

  /** The loss scaler's cascade: an overflow that never recovers becomes an incident at its first overflow. */
  function noteScaler(e: TrainingEvent): void {
    if (e.kind === 'loss-scale' && e.lossScale !== undefined) cascade.recovered();
    if (e.kind === 'step') cascade.step(e.step);
    if (e.kind !== 'overflow' || e.nonFinite) return;
    const first = cascade.overflow(e.line, { step: e.step, from: e.lossScaleFrom, to: e.lossScale, low: e.lossScaleLow });
    if (first !== null && !tracker.incident) {
      tracker.add({ line: first, kind: 'overflow', step: overflowSteps.get(first) ?? e.step, rank: e.rank, nonFinite: { metric: 'loss scale', value: 'overflow' }, epoch: e.epoch });
      for (const cb of incidentListeners) cb(tracker.incident!);
    }
    if (!overflowSteps.has(e.line)) overflowSteps.set(e.line, e.step);
    if (overflowSteps.size > 256) overflowSteps.delete(overflowSteps.keys().next().value!);
  }
  const overflowSteps = new Map<number, number | null>();

  /** A training counter arrived: it is the step of an incident that came just before it without one. */
  function fillStep(line: number, rank: number | null, step: number | null): void {
    if (!stepWanted || step === null) return;
    const { event: wanted, during, lines = STEP_LOOKAHEAD_LINES } = stepWanted;
    stepWanted = null;
    if (rank !== wanted.rank || line - wanted.line > lines) return;
    // a report printed between two progress lines happened during the step the next one closes
    if (wanted.step !== null && !(during && step > wanted.step)) return;
    const before = wanted.step;
    wanted.step = step;
    const incident = tracker.incident;
    if (incident && incident.line === wanted.line && incident.step === before) incident.step = step;
  }

  /** A line that only shows counters (`Learning iteration 8391/10000`, `progress  epoch 50  step 602`) moves the run's step. */
  function noteCounters(text: string, rank: number | null): void {
    const c = readCounters(text);
    if (c.labeled && c.step !== null) currentStep.set(rank, c.step);
    // An epoch header (`Epoch 0`, `2023-08-09 14:55:25: Epoch 3`) is labeled by its word.
    if (c.epoch !== null && !c.fractionalEpoch) setEpoch(rank, c.epoch, false);
  }

  /** Settles a held non-finite gradient norm with the rank's next step: bad again (or a loss of exactly 0) is a divergence. */
  function settleGradNorm(next: TrainingEvent | null, rank: number | null): void {
    const held = heldGradNorm.get(rank);
    if (!held) return;
    heldGradNorm.delete(rank);
    const stillBad = next === null || next.nonFinite !== undefined || lossIsZero(next);
    if (stillBad) emit(held);
    else emit({ ...held, kind: 'overflow', nonFinite: undefined, nonFiniteNames: undefined });
  }

  /** A segment a format recognized that says nothing new (a nested bar's redraw): claimed, no event. */
  const CLAIMED = 'claimed';

  function toEvent(segment: OutputSegment, reading: SegmentReading, rank: number | null, text: string): TrainingEvent | typeof CLAIMED | null {
    if (reading.event === 'context') {
      tracker.noteFormat(reading.format);
      if (reading.epoch !== null) setEpoch(rank, reading.epoch, reading.fractionalEpoch === true);
      return null;
    }
    const nonFinite = reading.nonFinite;
    let kind: EventKind = reading.event;
    // A framework's exception that names a non-finite value (`ValueError: loss is nan`) is an error.
    if (nonFinite && kind === 'step' && isExceptionLine(text)) kind = 'error';
    const phaseKind = reading.phase ? NON_TRAIN_PHASE[reading.phase] : undefined;
    if (phaseKind) kind = phaseKind;
    else if (kind === 'step' && VALIDATION_DESC.test(text)) kind = 'validation';
    else if (kind === 'step' && reading.metrics.length > 0 && reading.metrics.every((m) => /^eval_/.test(m.name))) kind = 'evaluation';
    if (kind === 'step' && reading.bar) {
      const role = barRole(barsOf(rank), reading.bar, reading.step, reading.metrics.some((m) => m.value.finite));
      if (role !== 'training') {
        tracker.noteFormat(reading.format);
        if (!nonFinite) return CLAIMED;
        // A non-finite value on a nested bar is still the run's: at the training step, without moving it.
        const e: TrainingEvent = { line: segment.line, kind: role === 'validation' ? 'validation' : 'step', step: currentStep.get(rank) ?? null, rank, format: reading.format, epoch: currentEpoch.get(rank) ?? null };
        e.nonFinite = { metric: nonFinite.metric ?? '', value: nonFinite.value };
        return e;
      }
    }

    // the configuration printed at start (lit-gpt's `print(hparams)`): its learning rate is no position of the run
    if (kind === 'step' && !nonFinite && isSettingsRecord(reading.metrics.map((m) => m.name))) {
      tracker.noteFormat(reading.format);
      return CLAIMED;
    }
    const epoch = reading.epoch ?? currentEpoch.get(rank) ?? null;
    if (reading.epoch !== null) setEpoch(rank, reading.epoch, reading.fractionalEpoch === true);
    let step: number | null;
    if (kind === 'step' && reading.tableRow) {
      // a table's rows are at the step its counter row shows, wherever that row is in the table
      // (or at the step a line above the table shows, `Iteration 3027`; never at the previous table's counter)
      if (reading.step !== null) tableStep.set(rank, reading.step);
      const above = currentStep.get(rank);
      step = reading.step ?? tableStep.get(rank) ?? (above !== undefined && above !== tableCounter.get(rank) ? above : null);
      if (reading.step !== null) {
        currentStep.set(rank, reading.step);
        tableCounter.set(rank, reading.step);
        fillStep(segment.line, rank, reading.step);
      }
    } else if (kind === 'step') {
      // A counter at its total (`512/512`, `9375/9375`) ends the epoch: the epoch is the step, never the total.
      // ...when the log shows only those end-of-epoch lines: after `4/10` of the same bar, `10/10` is step 10.
      const counted = lastCounter.get(rank);
      const endOnly = !(counted && counted.total === reading.total && counted.step < counted.total);
      step = reading.atTotal && endOnly && epoch !== null && !fractionalEpoch.has(rank) ? epoch : reading.step;
      if (reading.step !== null && reading.total !== undefined) lastCounter.set(rank, { step: reading.step, total: reading.total });
      // A labeled counter that never moves while the epoch does (`Epoch 1, Iter 0:` every epoch): the epoch is the step.
      const previous = lastOwnCounters.get(rank);
      if (reading.step !== null && reading.ownEpoch && epoch !== null && !fractionalEpoch.has(rank)) {
        if (previous && previous.step === reading.step && previous.epoch !== null && epoch > previous.epoch) step = epoch;
        lastOwnCounters.set(rank, { step: reading.step, epoch });
      }
      // HF Trainer writes its metrics dict over the progress bar's line: that bar shows the step.
      if (step === null && sameLineStep.line === segment.line && sameLineStep.rank === rank) step = sameLineStep.step;
      // A line that only shows its epoch is a step of its own when the epoch moved since the last one (epoch summaries).
      const epochOnly = step === null && reading.ownEpoch && !reading.fractionalEpoch && epoch !== null && lastStepEpoch.get(rank) !== epoch;
      if (epochOnly) step = epoch;
      // A table logged after a timestamp whose first column counts up by one (`… 12:23:01,982 4 ---- nan`) is counted by it.
      const lead = leadingCounter(text);
      if (step === null && lead !== null && lastLead.get(rank) === lead - 1) step = lead;
      if (lead !== null) lastLead.set(rank, lead);
      // Lines without their own counter (HF dicts, JSON without a step) happen at the step the run is at; in a log
      // that has shown no step counter at all, only epochs (`Epoch 0` then `train_loss nan`), the epoch is the step.
      step ??= currentStep.get(rank) ?? (!fractionalEpoch.has(rank) ? epoch : null);
      if (reading.step !== null && step !== null) {
        currentStep.set(rank, step);
        sameLineStep = { line: segment.line, rank, step };
        fillStep(segment.line, rank, step);
      }
      if (reading.metrics.length > 0 || nonFinite) lastStepEpoch.set(rank, epoch);
    } else {
      // Validation bars and loss-scale lines count their own things; they happen at the training step.
      // ...except errors and overflow reports that name the training step themselves (`Batch 3:`, Megatron's iteration).
      const ownStep = (reading.event === 'error' || reading.event === 'step' || reading.event === 'overflow') && reading.step !== null && !phaseKind && !VALIDATION_DESC.test(text);
      step = ownStep ? reading.step : (currentStep.get(rank) ?? reading.step ?? (reading.ownEpoch && !reading.fractionalEpoch ? epoch : null));
      if (ownStep && reading.event !== 'error' && reading.step !== null) currentStep.set(rank, reading.step);
    }
    const e: TrainingEvent = { line: segment.line, kind, step, rank, format: reading.format, epoch };
    if (reading.meanOver !== undefined && reading.meanOver > 1) e.meanOverBatches = true;
    const metrics: Record<string, number> = {};
    let any = false;
    for (const m of reading.metrics) {
      if (m.value.finite && !(m.name in metrics)) {
        metrics[m.name] = m.value.value;
        any = true;
      }
    }
    if (any && !(kind === 'step' && isStaleRedraw(reading, rank, metrics))) e.metrics = metrics;
    if (nonFinite) e.nonFinite = { metric: nonFinite.metric ?? '', value: nonFinite.value };
    if (nonFinite && reading.nonFiniteNames) e.nonFiniteNames = reading.nonFiniteNames;
    // HF Trainer prints its dict before the bar redraws with the step: the next counter is this event's.
    // (in a table, the first of its non-finite rows waits for the counter: the others are after it)
    if (nonFinite && step === null && reading.tableRow) stepWanted = stepWanted?.lines !== undefined && stepWanted.event.rank === rank ? stepWanted : { event: e, lines: TABLE_LOOKAHEAD_LINES };
    else if (nonFinite && step === null) stepWanted = { event: e };
    // `WARNING: received a nan loss, setting loss value to 0` between `[4691/6051]` and `[4692/6051]`: printed during 4692
    else if (nonFinite && kind === 'error' && reading.step === null) stepWanted = { event: e, during: true };
    if (reading.scale !== undefined) e.lossScale = reading.scale;
    if (reading.fromScale !== undefined) e.lossScaleFrom = reading.fromScale;
    if (reading.lowScale !== undefined) e.lossScaleLow = reading.lowScale;
    if (reading.message) e.text = reading.message;
    return e;
  }

  function onSegment(segment: OutputSegment): void {
    const { text, rank } = stripRank(segment.text);
    const pieces = splitAfterBars(text);
    onPiece(segment, pieces[0], rank);
    for (let i = 1; i < pieces.length; i++) {
      const own = stripRank(pieces[i]);
      onPiece(segment, own.text, own.rank ?? rank);
    }
  }

  function onPiece(segment: OutputSegment, piece: string, rank: number | null): void {
    lossScaling.noteText(piece);
    if (command === undefined) {
      const c = commandLine.exec(piece);
      if (c?.groups?.command) {
        command = c.groups.command;
        emit({ line: segment.line, kind: 'command', step: null, rank, text: command });
        return;
      }
    }
    // A traceback's frames quote source code (`raise ValueError("loss is nan")`): only its last line is output.
    const text = tracebacks.output(piece, rank);
    if (text === null) return;
    if (trainingEndLines.some((p) => p.test(text))) barsOf(rank).trainingOver = true;
    if (text.startsWith('-') || text.startsWith(' ')) {
      if (tableBorders.some((b) => b.test(text))) {
        tableStep.delete(rank);
        return;
      }
    }
    const reading = readSegment(text, headers);
    const event = reading ? toEvent(segment, reading, rank, text) : null;
    // a counted row with no readable value (`… 12:22:40,036 3 1.00 2.79 …` without names) still counts
    if (!reading || event === null || event === CLAIMED) {
      const lead = leadingCounter(text);
      if (lead !== null) lastLead.set(rank, lead);
    }
    if (event === CLAIMED) return;
    const notable = notableKind(text);
    // A line that is an event by its words and shows a counter (`Saving checkpoints for 200 into …`): the event, at that step.
    if (event && notable && event.kind === 'step' && !event.nonFinite && !event.metrics) {
      emit({ ...event, kind: notable });
      return;
    }
    if (event && (event.kind !== 'step' || event.nonFinite || event.metrics || event.step !== null)) {
      if (event.kind === 'step' && (event.metrics || event.nonFinite)) settleGradNorm(event, rank);
      // A loss scaler's skipped step is an overflow event; a norm that stays non-finite is the incident (./loss-scaling.ts).
      if (reading?.gradNormOverflow && event.nonFinite && lossScaling.gradNormOverflowIsTransient() && !lossIsZero(event)) {
        heldGradNorm.set(rank, event);
        return;
      }
      emit(event);
      return;
    }
    noteCounters(text, rank);
    if (notable) emit({ line: segment.line, kind: notable, step: currentStep.get(rank) ?? null, rank });
  }

  const reader = new LineReader(onSegment);

  const analyzer: SkippingRunAnalyzer = {
    tracker,
    feed: (chunk) => reader.push(chunk),
    end: () => {
      reader.end();
      // A gradient norm still non-finite when the output ends never recovered.
      for (const rank of [...heldGradNorm.keys()]) settleGradNorm(null, rank);
    },
    skipTo: (line) => reader.skipTo(line),
    incident: () => tracker.incident,
    onIncident: (cb) => incidentListeners.push(cb),
    onEvent: (cb) => eventListeners.push(cb),
    result: () => {
      const scan = tracker.runScan(log);
      if (command !== undefined) scan.command = command;
      return scan;
    },
  };
  return analyzer;
}
