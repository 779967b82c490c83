// Linux /proc: who a process is (owner, parent, start time, command line) and which files it has open for writing.
import { readdir, readFile, readlink } from 'node:fs/promises';
import type { ProcessInfo } from './types';

const O_ACCMODE = 0o3;

/** The process as /proc shows it now; null when it is gone or unreadable. */
export async function readProcess(pid: number, proc = '/proc'): Promise<ProcessInfo | null> {
  try {
    const [status, stat, cmdline] = await Promise.all([
      readFile(`${proc}/${pid}/status`, 'utf8'),
      readFile(`${proc}/${pid}/stat`, 'utf8'),
      readFile(`${proc}/${pid}/cmdline`, 'utf8').catch(() => ''),
    ]);
    const uid = Number(/^Uid:\s+(\d+)/m.exec(status)?.[1]);
    const name = /^Name:\s+(.*)$/m.exec(status)?.[1] ?? '';
    // Fields after the command name, which may itself hold spaces and parentheses.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ppid = Number(fields[1]);
    const startTime = fields[19] ?? '';
    const argv = cmdline.split('\0').filter((a, i, all) => a !== '' || i < all.length - 1);
    if (!Number.isInteger(uid)) return null;
    return { pid, ppid, uid, startTime, name, command: argv.length ? argv.join(' ') : `[${name}]` };
  } catch {
    return null;
  }
}

/** Every process id /proc lists. */
export async function listPids(proc = '/proc'): Promise<number[]> {
  const names = await readdir(proc);
  return names.filter((n) => /^\d+$/.test(n)).map(Number);
}

/** A process's open descriptors and what each points at (`/path/to/file`, `pipe:[1234]`); empty when unreadable. */
export async function openDescriptors(pid: number, proc = '/proc'): Promise<{ fd: number; target: string }[]> {
  let fds: string[];
  try {
    fds = await readdir(`${proc}/${pid}/fd`);
  } catch {
    return []; // gone, or another user's process without the right to look
  }
  const out = await Promise.all(
    fds.map(async (fd) => {
      try {
        return { fd: Number(fd), target: await readlink(`${proc}/${pid}/fd/${fd}`) };
      } catch {
        return null;
      }
    }),
  );
  return out.filter((x): x is { fd: number; target: string } => x !== null);
}

/** Whether the descriptor was opened for writing (O_WRONLY or O_RDWR in its fdinfo flags, which are octal). */
export async function openedForWriting(pid: number, fd: number, proc = '/proc'): Promise<boolean> {
  try {
    const info = await readFile(`${proc}/${pid}/fdinfo/${fd}`, 'utf8');
    const flags = /^flags:\s+([0-7]+)/m.exec(info)?.[1];
    return flags !== undefined && (parseInt(flags, 8) & O_ACCMODE) !== 0;
  } catch {
    return false;
  }
}
