// Finding a log's writers where there is no /proc (macOS, BSD): `lsof -F` for the descriptors, `ps` for the command line.
import { execFile } from 'node:child_process';
import type { ProcessInfo } from './types';

interface LsofProcess {
  pid: number;
  ppid: number;
  uid: number;
  name: string;
  writes: boolean;
}

/** Parses `lsof -F pRcufa` output: one field a line, `p` starts a process, `f` a descriptor, `a` its access (r, w, u). */
export function parseLsof(output: string): LsofProcess[] {
  const out: LsofProcess[] = [];
  let current: LsofProcess | null = null;
  for (const line of output.split('\n')) {
    const field = line[0];
    const value = line.slice(1);
    if (field === 'p') {
      current = { pid: Number(value), ppid: 0, uid: -1, name: '', writes: false };
      out.push(current);
    } else if (!current) continue;
    else if (field === 'R') current.ppid = Number(value);
    else if (field === 'u') current.uid = Number(value);
    else if (field === 'c') current.name = value;
    else if (field === 'a' && (value.includes('w') || value.includes('u'))) current.writes = true;
  }
  return out.filter((p) => Number.isInteger(p.pid) && p.pid > 0);
}

function run(file: string, args: string[]): Promise<{ stdout: string; missing: boolean }> {
  return new Promise((resolve) => {
    execFile(file, args, { timeout: 5000, maxBuffer: 1 << 20 }, (error, stdout) => {
      // lsof exits 1 when nothing has the file open: that is an answer, not a failure.
      resolve({ stdout: String(stdout ?? ''), missing: (error as NodeJS.ErrnoException | null)?.code === 'ENOENT' });
    });
  });
}

/** The processes with `path` open for writing; null when lsof is not installed. */
export async function lsofWriters(path: string): Promise<ProcessInfo[] | null> {
  const lsof = await run('lsof', ['-n', '-P', '-w', '-F', 'pRcufa', '--', path]);
  if (lsof.missing) return null;
  const writers = parseLsof(lsof.stdout).filter((p) => p.writes && p.pid !== process.pid);
  return Promise.all(
    writers.map(async (p) => {
      const ps = await run('ps', ['-o', 'lstart=,args=', '-p', String(p.pid)]);
      // `lstart` is five words (`Tue Dec  1 03:02:36 2026`); the command line follows.
      const m = /^\s*(\S+\s+\S+\s+\d+\s+[\d:]+\s+\d+)\s+(.*)$/.exec(ps.stdout.trim());
      return { pid: p.pid, ppid: p.ppid, uid: p.uid, name: p.name, startTime: m?.[1] ?? '', command: m?.[2] ?? p.name };
    }),
  );
}
