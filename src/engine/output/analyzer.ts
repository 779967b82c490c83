// Bytes of training output in; events and the run's incident out. The CLI, the file watcher and the
// language server's terminal watching all go through this.
import type { EventKind, Incident, RunScan, TrainingEvent } from '../types';
import { commandLine, notableLines, rankPrefixes } from './formats/index';
import { readSegment, type SegmentReading, type TableHeaders } from './formats/read';
import { IncidentTracker } from './incident';
import { LineReader, type OutputSegment } from './lines';

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

function notableKind(text: string): EventKind | null {
  for (const n of notableLines) if (n.pattern.test(text)) return n.event;
  return null;
}

export function createRunAnalyzer(log: string): SkippingRunAnalyzer {
  const tracker = new IncidentTracker();
  const headers: TableHeaders = new Map();
  const incidentListeners: ((i: Incident) => void)[] = [];
  const eventListeners: ((e: TrainingEvent) => void)[] = [];
  let command: string | undefined;
  // The training step the run is at, per rank: events without their own step happen "at" it.
  const currentStep = new Map<number | null, number>();
  const currentEpoch = new Map<number | null, number>();
  let sameLineStep: { line: number; rank: number | null; step: number } = { line: -1, rank: null, step: 0 };

  // tqdm redraws a bar when the step advances, still showing the previous step's postfix: that is no new value.
  const lastBarMetrics = new Map<number | null, { step: string; text: string }>();
  function isStaleRedraw(reading: SegmentReading, rank: number | null, metrics: Record<string, number>): boolean {
    const text = JSON.stringify(metrics);
    const at = `${reading.epoch ?? currentEpoch.get(rank) ?? ''}:${reading.step}`;
    const last = lastBarMetrics.get(rank);
    lastBarMetrics.set(rank, { step: at, text });
    if (last === undefined || reading.step === null) return false;
    // A redraw of the same step (after a validation printed over the bar) is no new step either.
    if (last.step === at) return true;
    return (reading.format === 'tqdm' || reading.format === 'lightning') && last.text === text;
  }

  function emit(e: TrainingEvent): void {
    for (const cb of eventListeners) cb(e);
    const established = tracker.add(e);
    if (established) for (const cb of incidentListeners) cb(established);
  }

  function toEvent(segment: OutputSegment, reading: SegmentReading, rank: number | null, text: string): TrainingEvent | null {
    if (reading.event === 'context') {
      tracker.noteFormat(reading.format);
      if (reading.epoch !== null) currentEpoch.set(rank, reading.epoch);
      return null;
    }
    let kind: EventKind = reading.event;
    const phaseKind = reading.phase ? NON_TRAIN_PHASE[reading.phase] : undefined;
    if (phaseKind) kind = phaseKind;
    else if (kind === 'step' && VALIDATION_DESC.test(text)) kind = 'validation';
    else if (kind === 'step' && reading.metrics.length > 0 && reading.metrics.every((m) => /^eval_/.test(m.name))) kind = 'evaluation';

    const epoch = reading.epoch ?? currentEpoch.get(rank) ?? null;
    if (reading.epoch !== null) currentEpoch.set(rank, reading.epoch);
    let step: number | null;
    if (kind === 'step') {
      step = reading.step;
      // HF Trainer writes its metrics dict over the progress bar's line: that bar shows the step.
      if (step === null && sameLineStep.line === segment.line && sameLineStep.rank === rank) step = sameLineStep.step;
      // Lines without their own counter (HF dicts, JSON without a step) happen at the step the run is at.
      step ??= currentStep.get(rank) ?? epoch;
      if (reading.step !== null) {
        currentStep.set(rank, reading.step);
        sameLineStep = { line: segment.line, rank, step: reading.step };
      }
    } else {
      // Validation bars and loss-scale lines count their own things; they happen at the training step.
      // ...except errors and overflow reports that name the training step themselves (`Batch 3:`, Megatron's iteration).
      const ownStep = (reading.event === 'error' || reading.event === 'step' || reading.event === 'overflow') && reading.step !== null && !phaseKind && !VALIDATION_DESC.test(text);
      step = ownStep ? reading.step : currentStep.get(rank) ?? reading.step ?? epoch;
      if (ownStep && reading.event !== 'error' && reading.step !== null) currentStep.set(rank, reading.step);
    }
    const e: TrainingEvent = { line: segment.line, kind, step, rank, format: reading.format };
    const metrics: Record<string, number> = {};
    let any = false;
    for (const m of reading.metrics) {
      if (m.value.finite && !(m.name in metrics)) {
        metrics[m.name] = m.value.value;
        any = true;
      }
    }
    if (any && !(kind === 'step' && isStaleRedraw(reading, rank, metrics))) e.metrics = metrics;
    if (reading.nonFinite) e.nonFinite = { metric: reading.nonFinite.metric ?? '', value: reading.nonFinite.value };
    if (reading.scale !== undefined) e.lossScale = reading.scale;
    if (reading.message) e.text = reading.message;
    return e;
  }

  function onSegment(segment: OutputSegment): void {
    const { text, rank } = stripRank(segment.text);
    if (command === undefined) {
      const c = commandLine.exec(text);
      if (c?.groups?.command) {
        command = c.groups.command;
        emit({ line: segment.line, kind: 'command', step: null, rank, text: command });
        return;
      }
    }
    const reading = readSegment(text, headers);
    const event = reading ? toEvent(segment, reading, rank, text) : null;
    if (event && (event.kind !== 'step' || event.nonFinite || event.metrics || event.step !== null)) {
      emit(event);
      return;
    }
    const notable = notableKind(text);
    if (notable) emit({ line: segment.line, kind: notable, step: currentStep.get(rank) ?? null, rank });
  }

  const reader = new LineReader(onSegment);

  const analyzer: SkippingRunAnalyzer = {
    tracker,
    feed: (chunk) => reader.push(chunk),
    end: () => reader.end(),
    skipTo: (line) => reader.skipTo(line),
    incident: () => tracker.incident,
    onIncident: (cb) => incidentListeners.push(cb),
    onEvent: (cb) => eventListeners.push(cb),
    result: () => {
      const scan: RunScan = { log, formats: [...tracker.formats], incident: tracker.incident, steps: tracker.steps ? { ...tracker.steps } : null };
      if (command !== undefined) scan.command = command;
      return scan;
    },
  };
  return analyzer;
}
