// The messages between the probe client and the probe worker process (Node IPC, JSON-serializable).
import type { ProbeReport } from '../../engine/types';
import type { ProbeSpec } from '../spec';

/** Client → worker: run this probe. */
export interface StartMessage {
  type: 'start';
  spec: ProbeSpec;
  /** Stop at the first non-finite value the training shows: a sweep only needs the verdict (the report covers the iterations run). */
  stopAtVerdict?: boolean;
  /** The client's time limit: the worker kills itself a little after it, should the client be gone. */
  timeoutMs?: number;
}

/** Client → worker: stop now (the client also kills the process if it does not exit). */
export interface CancelMessage {
  type: 'cancel';
}

/** Worker → client: one iteration (or stage) is done. */
export interface ProgressMessage {
  type: 'progress';
  iteration: number;
  total: number;
  message: string;
}

/** Worker → client: the finished report. */
export interface ResultMessage {
  type: 'result';
  report: ProbeReport;
}

/** Worker → client: the probe failed with an error (bad model, bad data, …). */
export interface ErrorMessage {
  type: 'error';
  message: string;
  stack?: string;
}

export type ClientMessage = StartMessage | CancelMessage;
export type WorkerMessage = ProgressMessage | ResultMessage | ErrorMessage;

// Test-only models the worker handles itself, so tests can make a worker crash or hang on purpose.
export const TEST_CRASH_MODEL = 'builtin:test-crash';
export const TEST_HANG_MODEL = 'builtin:test-hang';
export const TEST_OOM_MODEL = 'builtin:test-oom';

export function isWorkerMessage(m: unknown): m is WorkerMessage {
  if (typeof m !== 'object' || m === null) return false;
  const type = (m as { type?: unknown }).type;
  return type === 'progress' || type === 'result' || type === 'error';
}

export function isClientMessage(m: unknown): m is ClientMessage {
  if (typeof m !== 'object' || m === null) return false;
  const type = (m as { type?: unknown }).type;
  return type === 'start' || type === 'cancel';
}
