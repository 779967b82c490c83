// Real processes that write a training log, for the process-discovery and stop tests.
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A node training stand-in: appends a step line every 50 ms; on SIGINT it logs KeyboardInterrupt and exits 130. */
export const trainScript = `
const fs = require('node:fs');
const fd = fs.openSync(process.argv[1], 'a');
let step = 0;
process.on('SIGINT', () => { fs.writeSync(fd, 'KeyboardInterrupt\\n'); process.exit(130); });
setInterval(() => fs.writeSync(fd, 'step ' + (++step) + ' loss=' + (step > 3 ? 'nan' : '0.5') + '\\n'), 50);
`;

/** A temp folder anyone may write (a process of another user writes there too). */
export function logDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'nan-doctor-proc-'));
  chmodSync(dir, 0o777);
  return dir;
}

export function emptyLog(dir: string, name = 'train.log'): string {
  const path = join(dir, name);
  writeFileSync(path, '');
  chmodSync(path, 0o666);
  return path;
}

/** A fp16 run whose loss scaler skips a step now and then and recovers: overflow lines, every loss finite. */
export const recoveringScript = `
const fs = require('node:fs');
const fd = fs.openSync(process.argv[1], 'a');
let step = 0;
setInterval(() => {
  step++;
  if (step % 3 === 0) fs.writeSync(fd, '[2024-02-10 12:00:10,001] [INFO] [loss_scaler.py:183:update_scale] [deepspeed] OVERFLOW! Rank 0 Skipping step. Attempted loss scale: 65536, reducing to 32768\\n');
  fs.writeSync(fd, 'step ' + step + ' loss=0.5\\n');
}, 50);
`;

export function startWriter(log: string, options: SpawnOptions = {}, script = trainScript): ChildProcess {
  return spawn(process.execPath, ['-e', script, log], { stdio: 'ignore', ...options });
}

/** Resolves once the log holds `text` `times` times (the processes are up and writing). */
export async function waitForText(log: string, text: string, ms = 10_000, times = 1): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(existsSync(log) && readFileSync(log, 'utf8').split(text).length > times)) {
    if (Date.now() > deadline) throw new Error(`${log} never showed ${JSON.stringify(text)}: ${existsSync(log) ? readFileSync(log, 'utf8').slice(-300) : 'missing'}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export function alive(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

export function stop(...children: ChildProcess[]): void {
  for (const c of children) {
    if (!alive(c) || c.pid === undefined) continue;
    try {
      process.kill(-c.pid, 'SIGKILL'); // a child started in a process group of its own takes its pipeline with it
    } catch {
      c.kill('SIGKILL');
    }
  }
}

/** A temp log in a folder anyone may write, the processes `start` runs on it, then `body`; afterwards both are gone. */
export async function withLog(start: (log: string) => ChildProcess[], body: (log: string, children: ChildProcess[]) => Promise<void>): Promise<void> {
  const dir = logDir();
  const log = emptyLog(dir);
  const children = start(log);
  try {
    await body(log, children);
  } finally {
    stop(...children);
    rmSync(dir, { recursive: true, force: true });
  }
}
