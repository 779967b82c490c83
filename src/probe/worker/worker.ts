// The probe worker process (dist/worker.js): receives a `start` message over Node IPC, runs the
// replay with per-layer probes, sends progress and then the result or an error, and exits.
import type { ProbeReport } from '../../engine/types';
import { runProbe, type RunProbeOptions } from '../run';
import { createReplay } from '../replay/replay';
import type { ProbeSpec } from '../spec';
import { isClientMessage, TEST_CRASH_MODEL, TEST_HANG_MODEL, TEST_OOM_MODEL, type WorkerMessage } from './protocol';
import { startWatchdog } from './watchdog';

// Model code may never yield to the event loop: a watcher thread ends this process if the parent dies or time runs out.
const watchdog = startWatchdog();
// Beyond the parent's own limit: normally the parent kills us first, with a clear error.
const LIMIT_GRACE_MS = 5000;

const abort = new AbortController();
let started = false;

function send(message: WorkerMessage): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send || !process.connected) return resolve();
    process.send(message, undefined, {}, () => resolve());
  });
}

async function finish(message: WorkerMessage): Promise<void> {
  await send(message);
  process.exit(0);
}

async function start(spec: ProbeSpec, stopAtVerdict: boolean): Promise<void> {
  if (runTestModel(spec.model)) return;
  try {
    const opts: RunProbeOptions = {
      signal: abort.signal,
      onProgress: (p) => void send({ type: 'progress', iteration: p.iteration, total: p.total, message: p.message }),
    };
    const report = stopAtVerdict ? await runUntilVerdict(spec, opts) : await runProbe(spec, opts);
    await finish({ type: 'result', report });
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    await finish({ type: 'error', message: e.message, stack: e.stack });
  }
}

/** Like runProbe, but stops once the training shows a non-finite value: by then its origin is known too. */
async function runUntilVerdict(spec: ProbeSpec, opts: RunProbeOptions): Promise<ProbeReport> {
  const total = spec.iterations ?? 5;
  if (!Number.isInteger(total) || total < 1) throw new Error(`iterations must be a positive integer (got ${spec.iterations})`);
  const replay = await createReplay(spec);
  try {
    for (let i = 1; i <= total; i++) {
      opts.signal?.throwIfAborted();
      await replay.step();
      const seen = replay.report().firstNonFinite;
      opts.onProgress?.({ iteration: i, total, message: `iteration ${i}/${total}: ${seen ? `non-finite at iteration ${seen.iteration}` : 'finite so far'}` });
      if (seen) break;
    }
    return replay.report();
  } finally {
    replay.dispose();
  }
}

/** Test-only models (never documented to users): they make this worker crash, hang or run out of memory. */
function runTestModel(model: string): boolean {
  if (model === TEST_CRASH_MODEL) {
    void send({ type: 'progress', iteration: 1, total: 3, message: 'about to crash' }).then(() => process.exit(3));
    return true;
  }
  if (model === TEST_HANG_MODEL) {
    void send({ type: 'progress', iteration: 1, total: 3, message: 'about to hang' });
    // A busy loop, so even the cancel message cannot be handled: only a kill ends it.
    setTimeout(() => {
      for (;;) Math.sqrt(Math.random());
    }, 10);
    return true;
  }
  if (model === TEST_OOM_MODEL) {
    const hoard: number[][] = [];
    const grow = (): void => {
      for (let i = 0; i < 200; i++) hoard.push(new Array(10_000).fill(Math.random()));
      setImmediate(grow);
    };
    grow();
    return true;
  }
  return false;
}

process.on('message', (message: unknown) => {
  if (!isClientMessage(message)) return;
  if (message.type === 'cancel') {
    abort.abort();
    process.exit(0);
  }
  if (message.type === 'start' && !started) {
    started = true;
    if (message.timeoutMs !== undefined) watchdog.limit(message.timeoutMs + LIMIT_GRACE_MS);
    void start(message.spec, message.stopAtVerdict === true);
  }
});

// Without a parent there is nobody to report to: do not linger.
process.on('disconnect', () => process.exit(0));
