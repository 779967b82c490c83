import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TrainingEvent } from '../../../src/engine/types';
import { findStructuredFormat } from '../../../src/engine/output/structured/index';

export const fixture = (...parts: string[]) => join(__dirname, 'fixtures', ...parts);

/** Reads a file with the structured reader that claims it, as the scanner would. */
export async function readAll(path: string): Promise<{ format: string; events: TrainingEvent[] }> {
  const head = readFileSync(path).subarray(0, 4096);
  const format = findStructuredFormat(path, head);
  if (!format) throw new Error(`no structured format claims ${path}`);
  const events: TrainingEvent[] = [];
  for await (const e of format.read(path)) events.push(e);
  return { format: format.name, events };
}

export function firstNonFinite(events: TrainingEvent[]) {
  const e = events.find((x) => x.nonFinite);
  return e ? { line: e.line, step: e.step, metric: e.nonFinite!.metric, value: e.nonFinite!.value, kind: e.kind } : null;
}
