// Which processes write a log: /proc/*/fd links that point at it, opened for writing (lsof where /proc is absent).
// Children that inherited the descriptor (DataLoader workers) count as their parent; a relay such as
// `tee` counts as the process that writes into its standard input.
import { existsSync } from 'node:fs';
import { realpath } from 'node:fs/promises';
import { lsofWriters } from './lsof';
import { listPids, openDescriptors, openedForWriting, readProcess } from './proc';
import type { ProcessInfo, Writer, WriterSearch } from './types';

/** Programs that only copy their input into the log: the training process is the one feeding them. */
const RELAYS = new Set(['tee', 'cat', 'ts', 'stdbuf']);
const MAX_ANCESTRY = 64;

export interface FindOptions {
  /** The /proc mount to read (tests point elsewhere to force the lsof path). */
  proc?: string;
}

export async function findWriters(path: string, opts: FindOptions = {}): Promise<WriterSearch> {
  const proc = opts.proc ?? '/proc';
  const target = await realpath(path).catch(() => path);
  if (!existsSync(`${proc}/self/fd`)) {
    const found = await lsofWriters(target);
    return found ? { writers: withoutInherited(found, new Map(found.map((p) => [p.pid, p]))), via: 'lsof' } : { writers: [], via: null };
  }
  const pids = (await listPids(proc)).filter((pid) => pid !== process.pid);
  const descriptors = new Map(await Promise.all(pids.map(async (pid) => [pid, await openDescriptors(pid, proc)] as const)));
  const writing = await writersOf(descriptors, (t) => t === target, proc);
  const known = new Map<number, ProcessInfo>();
  const info = async (pid: number) => {
    if (!known.has(pid)) {
      const p = await readProcess(pid, proc);
      if (p) known.set(pid, p);
    }
    return known.get(pid);
  };
  const found = (await Promise.all(writing.map(info))).filter((p): p is ProcessInfo => p !== undefined);
  const writers = await Promise.all(
    (await collapse(found, info)).map(async (w): Promise<Writer> => {
      if (!RELAYS.has(w.name)) return w;
      const pipe = descriptors.get(w.pid)?.find((d) => d.fd === 0)?.target;
      if (!pipe?.startsWith('pipe:')) return w;
      const feeding = (await writersOf(descriptors, (t) => t === pipe, proc, [1, 2])).filter((pid) => pid !== w.pid);
      const producers = await collapse((await Promise.all(feeding.map(info))).filter((p): p is ProcessInfo => p !== undefined), info);
      return producers.length === 1 ? { ...producers[0], through: w } : w;
    }),
  );
  return { writers, via: 'proc' };
}

/** Pids with a descriptor whose target passes `matches`, opened for writing (only descriptors `fds`, when given). */
async function writersOf(descriptors: Map<number, { fd: number; target: string }[]>, matches: (target: string) => boolean, proc: string, fds?: number[]): Promise<number[]> {
  const out: number[] = [];
  for (const [pid, list] of descriptors) {
    for (const d of list) {
      if ((fds && !fds.includes(d.fd)) || !matches(d.target)) continue;
      if (await openedForWriting(pid, d.fd, proc)) {
        out.push(pid);
        break;
      }
    }
  }
  return out;
}

/** Drops the writers whose ancestor is also a writer: they inherited the descriptor. */
async function collapse(found: ProcessInfo[], info: (pid: number) => Promise<ProcessInfo | undefined>): Promise<ProcessInfo[]> {
  const pids = new Set(found.map((p) => p.pid));
  const kept: ProcessInfo[] = [];
  for (const p of found) {
    let parent = p.ppid;
    let inherited = false;
    for (let depth = 0; parent > 1 && depth < MAX_ANCESTRY; depth++) {
      if (pids.has(parent)) {
        inherited = true;
        break;
      }
      parent = (await info(parent))?.ppid ?? 0;
    }
    if (!inherited) kept.push(p);
  }
  return kept;
}

/** The same rule without /proc: only parents that lsof itself listed as writers are known. */
function withoutInherited(found: ProcessInfo[], byPid: Map<number, ProcessInfo>): ProcessInfo[] {
  return found.filter((p) => !byPid.has(p.ppid));
}

export type WriterChoice = { writer: Writer } | { reason: string };

/** The one process to stop, or why there is none: never a guess between several, never another user's. */
export function singleWriter(search: WriterSearch, log: string, uid: number): WriterChoice {
  if (search.via === null) return { reason: `NaN Doctor cannot tell which process writes ${log}: there is no /proc and no lsof here.` };
  const { writers } = search;
  if (writers.length === 0) return { reason: `No process has ${log} open for writing: the run has ended, or it writes from another machine or container.` };
  if (writers.length > 1) return { reason: `${writers.length} processes write ${log} (PIDs ${writers.map((w) => w.pid).join(', ')}): NaN Doctor stops a run only when a single process writes its log.` };
  const writer = writers[0];
  if (writer.uid !== uid) return { reason: `PID ${writer.pid} (${writer.command}) writes ${log}, but it belongs to another user (uid ${writer.uid}): NaN Doctor signals only your own processes.` };
  return { writer };
}
