// Lightning's metrics.csv, Keras' CSVLogger and other CSV metric logs: a header row, one row per logging call.
import { extname } from 'node:path';
import type { TrainingEvent } from '../../types';
import type { StructuredFormat } from './types';
import { readLines } from './text-lines';
import { eventFromValues, parseNumber } from './values';

// Columns that count steps, best first; `epoch` is the step only when nothing finer is logged.
const STEP_COLUMNS = ['step', 'global_step', 'iteration', 'iter', 'it', 'trainer/global_step', 'epoch'];
const NOT_METRICS = new Set([...STEP_COLUMNS, 'time', 'timestamp', 'wall_time', 'created_at']);

/** Splits one CSV row (RFC 4180 quotes; rows with newlines inside quotes are not expected in metric logs). */
export function splitCsvRow(row: string, delimiter = ','): string[] {
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < row.length; i++) {
    const c = row[i];
    if (quoted) {
      if (c === '"' && row[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === delimiter) {
      cells.push(cell);
      cell = '';
    } else cell += c;
  }
  cells.push(cell);
  return cells.map((s) => s.trim());
}

function headerOf(head: Uint8Array): string[] {
  return splitCsvRow(new TextDecoder().decode(head).split('\n')[0].replace(/\r$/, '')).map((h) => h.toLowerCase());
}

function matches(path: string, head: Uint8Array): boolean {
  if (extname(path).toLowerCase() !== '.csv') return false;
  // A metrics log names a step counter or a loss; a data set's CSV usually names neither.
  return headerOf(head).some((h) => STEP_COLUMNS.includes(h) || /loss/.test(h));
}

async function* read(path: string, signal?: AbortSignal): AsyncGenerator<TrainingEvent> {
  let header: string[] | null = null;
  let stepColumn = -1;
  for await (const { line, text, complete } of readLines(path, signal)) {
    if (text.trim() === '') continue;
    const cells = splitCsvRow(text);
    if (!header) {
      header = cells;
      const lower = header.map((h) => h.toLowerCase());
      stepColumn = STEP_COLUMNS.map((c) => lower.indexOf(c)).find((i) => i >= 0) ?? -1;
      continue;
    }
    if (!complete && cells.length < header.length) return; // a row still being written
    const values: [string, number][] = [];
    for (let i = 0; i < header.length && i < cells.length; i++) {
      if (i === stepColumn || NOT_METRICS.has(header[i].toLowerCase())) continue;
      const v = parseNumber(cells[i]);
      if (v !== undefined) values.push([header[i], v]);
    }
    const stepValue = stepColumn >= 0 ? parseNumber(cells[stepColumn] ?? '') : undefined;
    const step = stepValue !== undefined && Number.isFinite(stepValue) ? stepValue : null;
    if (values.length === 0) continue;
    yield eventFromValues('csv', line, step, values);
  }
}

export const csv: StructuredFormat = { name: 'csv', matches, read };
