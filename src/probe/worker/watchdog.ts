// Ends the probe worker process when its parent is gone or its time is up, even while the main thread is
// stuck in model code: a worker thread keeps watching and kills the whole process with SIGKILL.
import { Worker } from 'node:worker_threads';

/** Milliseconds between the watchdog's looks at the parent process id. */
export const WATCHDOG_POLL_MS = 250;

export interface Watchdog {
  /** Kill this process after `ms` milliseconds from now (the parent's own limit may never fire if the parent died). */
  limit(ms: number): void;
}

// Plain JavaScript run with eval, so the bundle needs no second file; it only reads the parent id and a deadline.
const WATCHER = `
const { workerData, parentPort } = require('node:worker_threads');
let deadline = Infinity;
parentPort.on('message', (ms) => { deadline = Date.now() + ms; });
setInterval(() => {
  if (process.ppid !== workerData.parent || Date.now() > deadline) process.kill(process.pid, 'SIGKILL');
}, workerData.pollMs);
`;

/** Starts watching the current parent process; the watcher thread never keeps the process alive by itself. */
export function startWatchdog(pollMs = WATCHDOG_POLL_MS): Watchdog {
  const thread = new Worker(WATCHER, { eval: true, workerData: { parent: process.ppid, pollMs } });
  thread.unref();
  return { limit: (ms) => thread.postMessage(ms) };
}
