// MLflow file-store metric files: mlruns/<experiment>/<run>/metrics/<name>, lines `timestamp value step`.
import { sep } from 'node:path';
import type { TrainingEvent } from '../../types';
import type { StructuredFormat } from './types';
import { readLines } from './text-lines';
import { eventFromValues, parseNumber } from './values';

// Older MLflow versions wrote `timestamp value` without a step.
const LINE = /^(\d+) (\S+)(?: (-?\d+))?$/;

/** The metric's name: the path below `metrics/` (names with slashes become folders). */
export function mlflowMetricName(path: string): string | null {
  const parts = path.split(/[\\/]/);
  const at = parts.lastIndexOf('metrics');
  if (at < 0 || at === parts.length - 1) return null;
  return parts.slice(at + 1).join('/');
}

function matches(path: string, head: Uint8Array): boolean {
  if (!path.split(/[\\/]/).includes('metrics') || mlflowMetricName(path) === null) return false;
  const first = new TextDecoder().decode(head).split('\n')[0].replace(/\r$/, '');
  return LINE.test(first);
}

async function* read(path: string, signal?: AbortSignal): AsyncGenerator<TrainingEvent> {
  const metric = mlflowMetricName(path) ?? path.split(sep).pop() ?? 'metric';
  for await (const { line, text, complete } of readLines(path, signal)) {
    if (!complete) return; // MLflow ends every line: an unterminated one is still being written
    if (text.trim() === '') continue;
    const m = LINE.exec(text);
    const value = m ? parseNumber(m[2]) : undefined;
    if (!m || value === undefined) {
      throw new Error(`line ${line}: not an MLflow metric line (expected 'timestamp value step'): ${text.slice(0, 80)}`);
    }
    yield eventFromValues('mlflow', line, m[3] === undefined ? null : Number(m[3]), [[metric, value]]);
  }
}

export const mlflow: StructuredFormat = { name: 'mlflow', matches, read };
