// Finds the log files under a workspace folder and notices new ones, one fs.watch per directory,
// so any LSP editor gets the same behaviour without a client-side file watcher.
import { readdirSync, statSync, watch, type FSWatcher, type Dirent } from 'node:fs';
import { join, relative, sep } from 'node:path';

export interface WalkOptions {
  isLog(rel: string): boolean;
  isExcluded(rel: string): boolean;
  /** Stop after this many directories (huge folders are not worth watching whole). */
  maxDirectories?: number;
  /** Called with each directory before it is listed: a watch set here sees every file the listing misses. */
  beforeListing?(dir: string): void;
}

const rel = (root: string, abs: string): string => relative(root, abs).split(sep).join('/');

function readDir(dir: string): Dirent[] {
  try {
    return readdirSync(dir, { withFileTypes: true });
  } catch {
    return []; // unreadable or gone: nothing to find there
  }
}

export const defaultMaxDirectories = 2000;

/** The directories (absolute) and log files (absolute) under root, excluded ones left out; `truncated` when the budget ran out. */
export function walk(root: string, o: WalkOptions): { dirs: string[]; logs: string[]; truncated: boolean } {
  const max = o.maxDirectories ?? defaultMaxDirectories;
  const dirs: string[] = [];
  const logs: string[] = [];
  const queue = [root];
  while (queue.length > 0 && dirs.length < max) {
    const dir = queue.shift()!;
    dirs.push(dir);
    o.beforeListing?.(dir);
    for (const e of readDir(dir)) {
      const abs = join(dir, e.name);
      const r = rel(root, abs);
      if (e.isDirectory()) {
        if (!o.isExcluded(`${r}/`) && !o.isExcluded(`${r}/x`)) queue.push(abs);
      } else if (e.isFile() && !o.isExcluded(r) && o.isLog(r)) logs.push(abs);
    }
  }
  return { dirs, logs, truncated: queue.length > 0 };
}

const under = (dir: string, abs: string): boolean => abs === dir || abs.startsWith(dir + sep);

/** Watches a folder tree for new log files (and new directories that may hold them). */
export class FolderWatcher {
  private readonly watchers = new Map<string, FSWatcher>();
  private warnedBudget = false;

  constructor(
    private readonly root: string,
    private readonly options: WalkOptions,
    private readonly onLog: (abs: string) => void,
    private readonly onError: (message: string) => void,
    /** Any other file under a watched directory changed (a config edited outside the editor, say). */
    private readonly onFile: (abs: string) => void = () => undefined,
  ) {}

  private get max(): number {
    return this.options.maxDirectories ?? defaultMaxDirectories;
  }

  /** Walks the tree, starts watching its directories, and returns the logs already there. */
  start(): string[] {
    return this.walkAndWatch(this.root, this.options);
  }

  /**
   * Watches each directory before listing it, so a file created while the tree is walked is either listed or
   * reported by the watch (a log written right after its folder was made was missed when the listing came first).
   */
  private walkAndWatch(dir: string, options: WalkOptions): string[] {
    const { logs, truncated } = walk(dir, { ...options, beforeListing: (d) => this.watchDir(d) });
    if (truncated) this.overBudget();
    return logs;
  }

  /** Said once per watcher, so a huge data folder does not hide logs silently. */
  private overBudget(): void {
    if (this.warnedBudget) return;
    this.warnedBudget = true;
    this.onError(
      `${this.root}: more than ${this.max} directories; only the first ${this.max} are searched and watched for logs, so some logs may not be followed. ` +
        'Narrow the search with the nanDoctor.exclude setting (e.g. "**/data/**") or nanDoctor.logGlobs, or watch a log by hand.',
    );
  }

  private watchDir(dir: string): void {
    if (this.watchers.has(dir)) return;
    if (this.watchers.size >= this.max) {
      this.overBudget();
      return;
    }
    try {
      const w = watch(dir, { persistent: false }, (_event, name) => {
        if (name) this.changed(join(dir, name.toString()));
      });
      w.on('error', () => this.forget(dir));
      this.watchers.set(dir, w);
    } catch (e) {
      this.onError(`cannot watch ${dir}: ${(e as Error).message}`);
    }
  }

  /** Stops watching a directory and everything below it (it vanished, or is about to be walked afresh). */
  private forget(dir: string): void {
    for (const [d, w] of this.watchers) {
      if (!under(dir, d)) continue;
      w.close();
      this.watchers.delete(d);
    }
  }

  private changed(abs: string): void {
    const r = rel(this.root, abs);
    if (r.startsWith('..')) return;
    let isDir: boolean;
    try {
      isDir = statSync(abs).isDirectory();
    } catch {
      // Deleted (or a rename's old name): a watcher on a deleted directory would block watching its successor.
      this.forget(abs);
      return;
    }
    if (isDir) {
      if (this.options.isExcluded(`${r}/`) || this.options.isExcluded(`${r}/x`)) return;
      // A new or re-created directory (a new lightning_logs/version_N, `rm -rf out && mkdir out`): watch it afresh.
      this.forget(abs);
      const logs = this.walkAndWatch(abs, { ...this.options, isLog: (x) => this.options.isLog(`${r}/${x}`), isExcluded: (x) => this.options.isExcluded(`${r}/${x}`) });
      for (const l of logs) this.onLog(l);
      return;
    }
    if (!this.options.isExcluded(r) && this.options.isLog(r)) this.onLog(abs);
    else this.onFile(abs);
  }

  close(): void {
    for (const w of this.watchers.values()) w.close();
    this.watchers.clear();
  }
}
