// Shared by the structured readers: what a number is, and what kind of event a metric name implies.
import type { EventKind, NonFiniteValue, TrainingEvent } from '../../types';
import { isGradNormOverflow } from '../loss-scaling';

export function nonFiniteOf(v: number): NonFiniteValue | null {
  if (Number.isNaN(v)) return 'nan';
  if (v === Infinity) return 'inf';
  if (v === -Infinity) return '-inf';
  return null;
}

/** A number as Python, R or a CSV writer prints it (`nan`, `inf`, `-Infinity`…), else undefined. */
export function parseNumber(text: string): number | undefined {
  const t = text.trim();
  if (t === '') return undefined;
  const lower = t.toLowerCase().replace(/^\+/, '');
  if (lower === 'nan' || lower === '-nan') return NaN;
  if (lower === 'inf' || lower === 'infinity') return Infinity;
  if (lower === '-inf' || lower === '-infinity') return -Infinity;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(t)) return undefined;
  return Number(t);
}

const VALIDATION = /(^|[^a-z])(val|valid|validation|dev)([^a-z]|$)/i;
const EVALUATION = /(^|[^a-z])(eval|evaluation|test)([^a-z]|$)/i;

/** The kind of event a set of metric names describes: evaluation/validation only when all of them say so. */
export function kindOfMetrics(names: string[]): EventKind {
  if (names.length === 0) return 'step';
  if (names.every((n) => VALIDATION.test(n))) return 'validation';
  if (names.every((n) => VALIDATION.test(n) || EVALUATION.test(n))) return 'evaluation';
  return 'step';
}

/**
 * Builds an event from named values: finite ones become metrics, the first non-finite one is reported.
 * A non-finite gradient norm beside a finite loss is a loss scaler's skipped step (loss-scaling.ts):
 * structured files never show the precision, so it is an overflow event, as the text reader decides.
 */
export function eventFromValues(
  format: string,
  line: number,
  step: number | null,
  values: [string, number][],
): TrainingEvent {
  const skipped = isGradNormOverflow(values.map(([name, v]) => ({ name, finite: Number.isFinite(v) })));
  const event: TrainingEvent = { line, kind: skipped ? 'overflow' : kindOfMetrics(values.map(([n]) => n)), step, rank: null, format };
  for (const [name, v] of values) {
    const bad = nonFiniteOf(v);
    if (!bad) (event.metrics ??= {})[name] = v;
    else if (!event.nonFinite && !skipped) event.nonFinite = { metric: name, value: bad };
  }
  return event;
}
