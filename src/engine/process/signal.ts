// Interrupting a log's writer: SIGINT, the signal Ctrl+C sends, so the framework can save a checkpoint,
// and only to the very process the user confirmed (same pid, same start time, same owner).
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { readProcess } from './proc';
import type { ProcessInfo } from './types';

export type SignalResult = { sent: true } | { sent: false; reason: string };

export async function interruptProcess(target: ProcessInfo, uid: number, proc = '/proc'): Promise<SignalResult> {
  if (target.uid !== uid) return { sent: false, reason: `PID ${target.pid} belongs to another user (uid ${target.uid}).` };
  if (existsSync(`${proc}/self`)) {
    const now = await readProcess(target.pid, proc);
    if (!now || (await hasExited(target.pid, proc))) return { sent: false, reason: `PID ${target.pid} has already exited.` };
    // A pid reused by another program since the user confirmed is not the run they meant.
    if (now.startTime !== target.startTime || now.uid !== uid) return { sent: false, reason: `PID ${target.pid} is no longer ${target.command}.` };
  }
  try {
    process.kill(target.pid, 'SIGINT');
    return { sent: true };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return { sent: false, reason: code === 'ESRCH' ? `PID ${target.pid} has already exited.` : code === 'EPERM' ? `not permitted to signal PID ${target.pid}.` : (e as Error).message };
  }
}

/** Whether the process is gone (or a zombie waiting for its parent). */
export async function hasExited(pid: number, proc = '/proc'): Promise<boolean> {
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ESRCH';
  }
  const stat = await readFile(`${proc}/${pid}/stat`, 'utf8').catch(() => '');
  return stat !== '' && stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
}

/** Resolves with true once the process has exited, false after `ms`. */
export async function waitForExit(pid: number, ms: number, proc = '/proc'): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await hasExited(pid, proc)) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, 25));
  }
}
