// Finds the log files under a workspace folder and notices new ones, one fs.watch per directory,
// so any LSP editor gets the same behaviour without a client-side file watcher.
import { readdirSync, statSync, watch, type FSWatcher, type Dirent } from 'node:fs';
import { join, relative, sep } from 'node:path';

export interface WalkOptions {
  isLog(rel: string): boolean;
  isExcluded(rel: string): boolean;
  /** Stop after this many directories (huge folders are not worth watching whole). */
  maxDirectories?: number;
}

const rel = (root: string, abs: string): string => relative(root, abs).split(sep).join('/');

function readDir(dir: string): Dirent[] {
  try {
    return readdirSync(dir, { withFileTypes: true });
  } catch {
    return []; // unreadable or gone: nothing to find there
  }
}

/** The directories (absolute) and log files (absolute) under root, excluded ones left out. */
export function walk(root: string, o: WalkOptions): { dirs: string[]; logs: string[] } {
  const max = o.maxDirectories ?? 2000;
  const dirs: string[] = [];
  const logs: string[] = [];
  const queue = [root];
  while (queue.length > 0 && dirs.length < max) {
    const dir = queue.shift()!;
    dirs.push(dir);
    for (const e of readDir(dir)) {
      const abs = join(dir, e.name);
      const r = rel(root, abs);
      if (e.isDirectory()) {
        if (!o.isExcluded(`${r}/`) && !o.isExcluded(`${r}/x`)) queue.push(abs);
      } else if (e.isFile() && !o.isExcluded(r) && o.isLog(r)) logs.push(abs);
    }
  }
  return { dirs, logs };
}

/** Watches a folder tree for new log files (and new directories that may hold them). */
export class FolderWatcher {
  private readonly watchers = new Map<string, FSWatcher>();

  constructor(
    private readonly root: string,
    private readonly options: WalkOptions,
    private readonly onLog: (abs: string) => void,
    private readonly onError: (message: string) => void,
  ) {}

  /** Walks the tree, starts watching its directories, and returns the logs already there. */
  start(): string[] {
    const { dirs, logs } = walk(this.root, this.options);
    for (const d of dirs) this.watchDir(d);
    return logs;
  }

  private watchDir(dir: string): void {
    if (this.watchers.has(dir) || this.watchers.size >= (this.options.maxDirectories ?? 2000)) return;
    try {
      const w = watch(dir, { persistent: false }, (_event, name) => {
        if (name) this.changed(join(dir, name.toString()));
      });
      w.on('error', () => {
        w.close();
        this.watchers.delete(dir);
      });
      this.watchers.set(dir, w);
    } catch (e) {
      this.onError(`cannot watch ${dir}: ${(e as Error).message}`);
    }
  }

  private changed(abs: string): void {
    const r = rel(this.root, abs);
    if (r.startsWith('..')) return;
    let isDir: boolean;
    try {
      isDir = statSync(abs).isDirectory();
    } catch {
      return; // deleted again, or a rename's old name
    }
    if (isDir) {
      if (this.options.isExcluded(`${r}/x`)) return;
      // A new directory (a new lightning_logs/version_N, say): watch it and what is inside.
      const sub = walk(abs, { ...this.options, isLog: (x) => this.options.isLog(`${r}/${x}`), isExcluded: (x) => this.options.isExcluded(`${r}/${x}`) });
      for (const d of sub.dirs) this.watchDir(d);
      for (const l of sub.logs) this.onLog(l);
      return;
    }
    if (!this.options.isExcluded(r) && this.options.isLog(r)) this.onLog(abs);
  }

  close(): void {
    for (const w of this.watchers.values()) w.close();
    this.watchers.clear();
  }
}
