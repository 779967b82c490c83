// Turns a run's events into its incident: the first non-finite event, with the notable events just before it.
import type { BeforeEvent, EventKind, Incident, IncidentKind, RunScan, TrainingEvent } from '../types';
import { isGradNorm, isLearningRate, isLoss } from './formats/values';

// What a run's setup counts (ranks, devices, workers, parameters): numbers, but no training step's values.
// (accelerate's `Num examples = 5000`, `Process index: 0`, `Total optimization steps = 10000` too)
const SETUP_NUMBER = /^(?:.*\b)?(?:process|processes|index|size|world[ _]size|rank|local[ _]rank|pid|seed|gpus?|num[ _]gpus|devices?|workers|num[ _]workers|params|parameters|examples|samples|steps|batches|epochs)$/i;

const NOTABLE: ReadonlySet<EventKind> = new Set(['validation', 'evaluation', 'checkpoint', 'resume', 'loss-scale', 'overflow', 'learning-rate', 'grad-norm-spike']);
// Bounded memory on endless runs: only the most recent notable events can be `before`.
const MAX_PENDING = 64;
const NORM_WINDOW = 64;
const SPIKE_FACTOR = 10;
// Warmup and decay change the rate smoothly; a jump of 5x between logged values is a notable change.
const LR_FACTOR = 5;
// The loss blows up when a finite value is this many times the median of the last ones (a divergence trend).
const BLOWUP_FACTOR = 4;
const LOSS_WINDOW = 32;
// The run's total loss, not one of its terms.
const TOTAL_LOSS = /^(?:train[/_ ]?)?(?:total[_ ]?)?loss$/i;

interface PendingEvent extends BeforeEvent {
  rank: number | null;
  epoch: number | null;
}

function incidentKind(e: TrainingEvent): IncidentKind {
  if (e.kind === 'error') return 'error';
  if (e.kind === 'overflow' || e.kind === 'loss-scale' || e.nonFinite?.value === 'overflow') return 'overflow';
  return 'metric';
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** Feed events in log order; the first non-finite one becomes the run's incident. */
export class IncidentTracker {
  incident: Incident | null = null;
  steps: { first: number; last: number } | null = null;
  formats: string[] = [];
  private pending: PendingEvent[] = [];
  private norms: number[] = [];
  private learningRate: number | null = null;
  private finiteStepSeen = false;
  private finiteStepBefore: boolean | null | undefined;
  private losses: number[] = [];
  /** The learning rate the log showed at the incident (on its line, else the last one before it). */
  private lrAtIncident: number | null = null;
  private blowUp: { line: number; from: number; to: number } | null = null;

  /** The run as `scan` reports it; `format` names the run when no format recognized a line. */
  runScan(log: string, format?: string): RunScan {
    const formats = this.formats.length || !format ? [...this.formats] : [format];
    const scan: RunScan = { log, formats, incident: this.incident, steps: this.steps ? { ...this.steps } : null };
    if (this.incident) scan.finiteStepBefore = this.finiteStepBefore;
    if (this.incident && this.blowUp) scan.lossBlewUp = { ...this.blowUp };
    if (this.incident && this.lrAtIncident !== null) scan.lrAtIncident = this.lrAtIncident;
    return scan;
  }

  /** A format recognized a line that carried no event (a bare logging line, a table header). */
  noteFormat(name: string): void {
    if (!this.formats.includes(name)) this.formats.push(name);
  }

  /** Returns the incident only when this event establishes it. `epoch`: the epoch the run is in, when the log shows it. */
  add(e: TrainingEvent, epoch: number | null = null): Incident | null {
    if (e.format) this.noteFormat(e.format);
    if (e.step !== null && e.kind === 'step') {
      if (this.steps) this.steps.last = e.step;
      else this.steps = { first: e.step, last: e.step };
    }
    if (this.incident) return null;
    if (e.nonFinite) {
      // a running mean over several batches that is already NaN may hold a NaN from any of them; a first logged step
      // past the run's first (a log that starts mid-run, `logging_steps`, a resumed run) follows updates the log does not show
      const unseenSteps = e.meanOverBatches || (e.step !== null && e.step > 1);
      this.finiteStepBefore = this.finiteStepSeen || (unseenSteps ? null : false);
      const lrHere = Object.entries(e.metrics ?? {}).find(([n]) => isLearningRate(n))?.[1];
      this.lrAtIncident = lrHere ?? this.learningRate;
      const metric = e.nonFinite.metric || null;
      const names = (e.nonFiniteNames ?? []).filter((n) => n !== '');
      this.incident = {
        line: e.line,
        step: e.step,
        metric,
        value: e.nonFinite.value,
        kind: incidentKind(e),
        rank: e.rank,
        // Nearest last (contract); an event held back and settled later can arrive after what followed it.
        before: this.pending
          .filter((p) => (p.rank === null || e.rank === null || p.rank === e.rank) && p.line <= e.line)
          .sort((a, b) => a.line - b.line)
          .map(({ line, step, event, cell }) => (cell === undefined ? { line, step, event } : { line, step, event, cell })),
        epoch: e.epoch !== undefined ? e.epoch : epoch,
        // each metric once: a list's values share its label (`"head_losses": [NaN, NaN, …]`)
        nonFinite: [...new Set(metric ? [metric, ...names] : names)],
      };
      const lossFinite = Object.keys(e.metrics ?? {}).some((n) => isLoss(n)) && !names.some((n) => isLoss(n)) && !(metric && isLoss(metric));
      if (lossFinite && e.kind === 'step') this.incident.lossStillFinite = true;
      if (e.cell !== undefined) this.incident.cell = e.cell;
      this.pending = [];
      return this.incident;
    }
    // A finite training step closes the window: `before` only holds what came after the last finite step.
    // Events at that same step stay: its values were computed before them and only shown after
    // (a tqdm postfix set after the validation that ran at that step).
    if (e.kind === 'step' && e.metrics) {
      // (the numbers of a run's setup, `Rank of current process: 0. World size: 1`, are no step)
      if (e.step !== null || !Object.keys(e.metrics).every((n) => SETUP_NUMBER.test(n))) this.finiteStepSeen = true;
      const sameStep = (p: PendingEvent) => e.step !== null && p.step === e.step && p.epoch === epoch;
      this.pending = this.pending.filter((p) => (p.rank !== null && e.rank !== null && p.rank !== e.rank) || sameStep(p));
    }
    if (NOTABLE.has(e.kind)) this.remember(e, e.kind, epoch);
    if (e.metrics) this.watchMetrics(e, epoch);
    return null;
  }

  private remember(e: TrainingEvent, event: EventKind, epoch: number | null): void {
    this.pending.push({ line: e.line, step: e.step, event, rank: e.rank, epoch, ...(e.cell === undefined ? {} : { cell: e.cell }) });
    if (this.pending.length > MAX_PENDING) this.pending.shift();
  }

  private watchMetrics(e: TrainingEvent, epoch: number | null): void {
    for (const [name, value] of Object.entries(e.metrics ?? {})) {
      if (isGradNorm(name)) {
        if (this.norms.length >= 5 && value > SPIKE_FACTOR * median(this.norms)) this.remember(e, 'grad-norm-spike', epoch);
        this.norms.push(value);
        if (this.norms.length > NORM_WINDOW) this.norms.shift();
      } else if (TOTAL_LOSS.test(name) && e.kind === 'step' && Number.isFinite(value)) {
        const typical = this.losses.length >= 5 ? median(this.losses) : null;
        // a blow-up stays the evidence until the loss is back near where it was
        if (typical !== null && Math.abs(value) > BLOWUP_FACTOR * Math.abs(typical)) this.blowUp ??= { line: e.line, from: typical, to: value };
        else if (this.blowUp && Math.abs(value) <= 2 * Math.abs(this.blowUp.from)) this.blowUp = null;
        if (this.blowUp) this.blowUp.to = value;
        if (!this.blowUp) {
          this.losses.push(value);
          if (this.losses.length > LOSS_WINDOW) this.losses.shift();
        }
      } else if (isLearningRate(name) && e.kind !== 'learning-rate') {
        const previous = this.learningRate;
        this.learningRate = value;
        const changed = previous !== null && previous > 0 && (value / previous >= LR_FACTOR || value / previous <= 1 / LR_FACTOR);
        if (changed) this.remember(e, 'learning-rate', epoch);
      }
    }
  }
}
