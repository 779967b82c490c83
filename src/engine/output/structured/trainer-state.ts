// Hugging Face Trainer's trainer_state.json: `log_history` entries with loss, eval_loss, grad_norm, learning_rate, step.
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import type { TrainingEvent } from '../../types';
import type { StructuredFormat } from './types';
import { parsePythonJson } from './python-json';
import { checkAborted } from './abort';
import { eventFromValues } from './values';

// Bookkeeping numbers that are not training metrics.
const NOT_METRICS = new Set(['step', 'epoch', 'total_flos', 'train_runtime', 'train_samples_per_second', 'train_steps_per_second', 'eval_runtime', 'eval_samples_per_second', 'eval_steps_per_second']);

async function* read(path: string, signal?: AbortSignal): AsyncGenerator<TrainingEvent> {
  const text = await readFile(path, { encoding: 'utf8', signal });
  const { value, lineOf } = parsePythonJson(text);
  const history = (value as { log_history?: unknown } | null)?.log_history;
  if (!value || typeof value !== 'object' || !Array.isArray(history)) throw new Error('no log_history list: not a Trainer state file');
  for (const entry of history) {
    checkAborted(signal);
    if (!entry || typeof entry !== 'object') continue;
    const fields = Object.entries(entry as Record<string, unknown>);
    const values = fields.filter((f): f is [string, number] => typeof f[1] === 'number' && !NOT_METRICS.has(f[0]));
    if (values.length === 0) continue;
    const e = entry as { step?: unknown; epoch?: unknown };
    const step = typeof e.step === 'number' ? e.step : typeof e.epoch === 'number' ? e.epoch : null;
    const event = eventFromValues('trainer-state', lineOf.get(entry) ?? 1, step, values);
    // The Trainer's own evaluation entries carry eval_* keys; its final summary carries train_*.
    if (event.kind !== 'overflow') {
      if (values.every(([k]) => k.startsWith('eval_'))) event.kind = 'evaluation';
      else if (values.every(([k]) => k.startsWith('train_') || k.startsWith('eval_'))) event.kind = 'step';
    }
    yield event;
  }
}

export const trainerState: StructuredFormat = {
  name: 'trainer-state',
  matches: (path) => basename(path) === 'trainer_state.json',
  read,
};
