// Runs one probe in a separate worker process, with a time limit and a memory limit; a crash, a hang
// or a cancel becomes a ProbeError and the worker process is always gone when the promise settles.
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ProbeReport } from '../../engine/types';
import type { ProbeSpec } from '../spec';
import { isWorkerMessage, type ClientMessage } from './protocol';

export type ProbeErrorReason = 'crashed' | 'timeout' | 'cancelled' | 'out-of-memory' | 'failed';

export class ProbeError extends Error {
  constructor(
    readonly reason: ProbeErrorReason,
    message: string,
    /** The worker's own stack trace, for 'failed'. */
    readonly workerStack?: string,
  ) {
    super(message);
    this.name = 'ProbeError';
  }
}

export interface ProbeProgress {
  iteration: number;
  total: number;
  message: string;
}

export interface LaunchOptions {
  onProgress?(p: ProbeProgress): void;
  signal?: AbortSignal;
  /** Wall-clock limit for the whole probe (default 120 s). */
  timeoutMs?: number;
  /** Memory limit in MB: the V8 heap limit and the resident-set limit the client watches (default 2048). */
  memoryMb?: number;
  /** The worker script (default: worker.js beside this bundle, or dist/worker.js from the sources). */
  workerPath?: string;
  /** Stop at the first non-finite value the training shows (a sweep needs only the verdict). */
  stopAtVerdict?: boolean;
  /** Called once with the worker's process id (for tests and for logging). */
  onSpawn?(pid: number): void;
}

export const DEFAULT_TIMEOUT_MS = 120_000;
export const DEFAULT_MEMORY_MB = 2048;
const RSS_POLL_MS = 200;
const STDERR_KEEP = 4000;

/** Where the built worker is: beside the running bundle (dist/), or dist/ at the repository root when run from sources. */
export function defaultWorkerPath(): string {
  const beside = join(__dirname, 'worker.js');
  if (existsSync(beside)) return beside;
  return resolve(__dirname, '..', '..', '..', 'dist', 'worker.js');
}

export function launchProbe(spec: ProbeSpec, opts: LaunchOptions = {}): Promise<ProbeReport> {
  const workerPath = opts.workerPath ?? defaultWorkerPath();
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const memoryMb = opts.memoryMb ?? DEFAULT_MEMORY_MB;
  if (opts.signal?.aborted) return Promise.reject(new ProbeError('cancelled', 'probe cancelled before it started'));
  if (!existsSync(workerPath)) {
    return Promise.reject(new ProbeError('failed', `probe worker not found at ${workerPath} (run \`npm run build\`)`));
  }

  return new Promise<ProbeReport>((resolvePromise, rejectPromise) => {
    let child: ChildProcess;
    try {
      child = fork(workerPath, [], {
        // Not process.execArgv: a parent under a loader (tsx) or inspector should not pass those on.
        execArgv: [`--max-old-space-size=${memoryMb}`],
        stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
        // Structured clone keeps NaN and Infinity in the probe statistics (JSON would turn them into null).
        serialization: 'advanced',
      });
    } catch (err) {
      rejectPromise(new ProbeError('failed', `could not start the probe worker: ${err instanceof Error ? err.message : String(err)}`));
      return;
    }

    let stderr = '';
    let outcome: { report: ProbeReport } | { error: ProbeError } | undefined;
    let exited = false;

    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-STDERR_KEEP);
    });

    const timer = setTimeout(() => fail('timeout', `probe did not finish within ${formatSeconds(timeoutMs)} (worker killed)`), timeoutMs);
    const rssTimer = setInterval(() => {
      const rss = child.pid ? residentMb(child.pid) : undefined;
      if (rss !== undefined && rss > memoryMb) fail('out-of-memory', `probe worker used ${Math.round(rss)} MB, over the ${memoryMb} MB limit (worker killed)`);
    }, RSS_POLL_MS);
    const onAbort = (): void => {
      send({ type: 'cancel' });
      fail('cancelled', 'probe cancelled');
    };
    opts.signal?.addEventListener('abort', onAbort, { once: true });

    function send(message: ClientMessage): void {
      if (child.connected) child.send(message, (err) => void err /* a worker that just died cannot receive; the exit handler reports it */);
    }

    function fail(reason: ProbeErrorReason, message: string, stack?: string): void {
      if (outcome) return;
      outcome = { error: new ProbeError(reason, message, stack) };
      kill();
    }

    function kill(): void {
      if (!exited) child.kill('SIGKILL');
    }

    function settle(): void {
      clearTimeout(timer);
      clearInterval(rssTimer);
      opts.signal?.removeEventListener('abort', onAbort);
      if (outcome && 'report' in outcome) resolvePromise(outcome.report);
      else rejectPromise(outcome?.error ?? crashError());
    }

    function crashError(code?: number | null, signal?: NodeJS.Signals | null): ProbeError {
      const tail = lastLines(stderr);
      if (/heap out of memory|Allocation failed|out of memory/i.test(stderr)) {
        return new ProbeError('out-of-memory', `probe worker ran out of memory (limit ${memoryMb} MB)${tail ? `: ${tail}` : ''}`);
      }
      const how = signal ? `was killed by ${signal}` : code ? `exited with status ${code}` : 'exited without a result';
      return new ProbeError('crashed', `probe worker ${how}${tail ? `: ${tail}` : ''}`);
    }

    child.on('message', (message: unknown) => {
      if (outcome || !isWorkerMessage(message)) return;
      if (message.type === 'progress') {
        opts.onProgress?.({ iteration: message.iteration, total: message.total, message: message.message });
      } else if (message.type === 'result') {
        outcome = { report: message.report };
        // The worker exits by itself after sending; a kill only covers one that lingers.
        setTimeout(kill, 1000).unref();
      } else {
        fail('failed', message.message, message.stack);
      }
    });

    child.on('error', (err) => fail('failed', `probe worker error: ${err.message}`));

    child.on('exit', (code, signal) => {
      exited = true;
      if (!outcome) outcome = { error: crashError(code, signal) };
      // Let the stderr pipe drain so a crash message is complete, then report.
      setImmediate(settle);
    });

    child.send({ type: 'start', spec, stopAtVerdict: opts.stopAtVerdict, timeoutMs } satisfies ClientMessage, (err) => {
      if (err) fail('failed', `could not send the probe to the worker: ${err.message}`);
    });
    if (child.pid) opts.onSpawn?.(child.pid);
  });
}

/** Resident set size of a process in MB from /proc (Linux); undefined where /proc is not available. */
function residentMb(pid: number): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

function lastLines(text: string): string {
  return text.trim().split('\n').slice(-3).join(' | ').slice(-600);
}

function formatSeconds(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(ms % 1000 ? 1 : 0)} s` : `${ms} ms`;
}
