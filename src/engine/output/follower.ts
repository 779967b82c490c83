// Follows a growing file like `tail -F`: appends, truncation, rotation, deletion and re-creation.
import { promises as fsp, watch, watchFile, unwatchFile, type FSWatcher, type Stats } from 'node:fs';
import { basename, dirname } from 'node:path';

export type ResetReason = 'truncated' | 'rotated' | 'recreated' | 'deleted';

export interface FollowHandlers {
  /** Bytes appended to the followed file, in order (lines may be split across chunks). */
  onData(chunk: Buffer): void;
  /** The file's earlier bytes no longer belong to what follows: a new run starts. */
  onReset(reason: ResetReason): void;
  onError?(e: Error): void;
  /** The first look at the file is done: bytes written from now on will be delivered. */
  onReady?(): void;
  /** The file was looked at again after a change notice (also when only bytes in place changed). */
  onChange?(): void;
}

export interface FollowOptions {
  /** Deliver the bytes already in the file (default: start at its current end). */
  fromStart?: boolean;
  /** Interval of the slow fallback poll for filesystems where watch misses events. */
  pollMs?: number;
}

export interface Follower {
  close(): void;
}

interface OpenFile {
  handle: fsp.FileHandle;
  dev: number;
  ino: number;
  offset: number;
  /** The last bytes before `offset`: if they change, the file was rewritten under us. */
  tail: Buffer;
}

const CHUNK = 64 * 1024;
const TAIL = 64;

export function follow(path: string, handlers: FollowHandlers, opts: FollowOptions = {}): Follower {
  const name = basename(path);
  let closed = false;
  let busy = false;
  let again = false;
  let current: OpenFile | null = null;
  let first = true; // only a file present when following starts may be skipped to its end (fromStart: false)
  let pending: ResetReason | null = null; // reported when the next file appears
  let fileWatcher: FSWatcher | null = null;
  const buf = Buffer.allocUnsafe(CHUNK);

  const fail = (e: unknown) => {
    if (closed) return;
    const err = e instanceof Error ? e : new Error(String(e));
    if (handlers.onError) handlers.onError(err);
  };

  let ready = false;
  const check = () => {
    if (closed) return;
    if (busy) {
      again = true;
      return;
    }
    busy = true;
    void (async () => {
      try {
        do {
          again = false;
          await step();
          if (!closed) handlers.onChange?.();
        } while (again && !closed);
      } catch (e) {
        fail(e);
      } finally {
        busy = false;
        if (!ready && !closed) {
          ready = true;
          handlers.onReady?.();
        }
      }
    })();
  };

  async function statPath(): Promise<Stats | null> {
    try {
      const st = await fsp.stat(path);
      return st.isFile() ? st : null;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR') return null;
      throw e;
    }
  }

  async function drain(f: OpenFile): Promise<void> {
    for (;;) {
      if (closed) return;
      const { bytesRead } = await f.handle.read(buf, 0, CHUNK, f.offset);
      if (bytesRead === 0) return;
      const chunk = Buffer.from(buf.subarray(0, bytesRead));
      f.offset += bytesRead;
      f.tail = Buffer.concat([f.tail, chunk]).subarray(-TAIL);
      handlers.onData(chunk);
    }
  }

  async function rewritten(f: OpenFile): Promise<boolean> {
    if (f.tail.length === 0) return false;
    const got = Buffer.alloc(f.tail.length);
    const { bytesRead } = await f.handle.read(got, 0, got.length, f.offset - f.tail.length);
    return bytesRead !== got.length || !got.equals(f.tail);
  }

  function watchFileItself(): void {
    fileWatcher?.close();
    fileWatcher = null;
    if (closed) return; // a look still in flight when close() came must not leave a watcher behind
    try {
      fileWatcher = watch(path, { persistent: true }, check);
      fileWatcher.on('error', () => undefined); // the directory watcher and the poll still see it
    } catch {
      fileWatcher = null;
    }
  }

  async function release(f: OpenFile): Promise<void> {
    fileWatcher?.close();
    fileWatcher = null;
    await f.handle.close().catch(() => undefined);
  }

  async function step(): Promise<void> {
    const st = await statPath();
    const skipExisting = first && !opts.fromStart;
    first = false;
    if (current) {
      const f = current;
      if (st && st.ino === f.ino && st.dev === f.dev) {
        if (st.size < f.offset || (await rewritten(f))) {
          f.offset = 0;
          f.tail = Buffer.alloc(0);
          handlers.onReset('truncated');
        }
        await drain(f);
        return;
      }
      // The path now names another file, or nothing: finish the old file's bytes first.
      const own = await f.handle.stat();
      await drain(f);
      await release(f);
      current = null;
      const renamed = own.nlink > 0;
      if (st) {
        pending = renamed ? 'rotated' : 'recreated';
      } else if (renamed) {
        pending = 'rotated';
      } else {
        pending = 'recreated';
        handlers.onReset('deleted');
        return;
      }
      if (!st) return;
    }
    if (!st || closed) return;
    const handle = await fsp.open(path, 'r');
    const own = await handle.stat();
    if (closed) {
      await handle.close();
      return;
    }
    const offset = skipExisting ? own.size : 0;
    const f: OpenFile = { handle, dev: own.dev, ino: own.ino, offset, tail: Buffer.alloc(0) };
    current = f;
    if (offset > 0) {
      const n = Math.min(TAIL, offset);
      const t = Buffer.alloc(n);
      const { bytesRead } = await handle.read(t, 0, n, offset - n);
      f.tail = t.subarray(0, bytesRead);
    }
    if (closed) return;
    watchFileItself();
    if (pending) {
      const reason = pending;
      pending = null;
      handlers.onReset(reason);
    }
    await drain(f);
  }

  let dirWatcher: FSWatcher | null = null;
  try {
    dirWatcher = watch(dirname(path), { persistent: true }, (_event, changed) => {
      if (changed == null || changed.toString() === name) check();
    });
    dirWatcher.on('error', () => undefined); // the slow poll still follows the file
  } catch {
    dirWatcher = null; // a missing directory: the poll notices when it appears
  }
  const poll = () => check();
  watchFile(path, { interval: opts.pollMs ?? 1000, persistent: true }, poll);
  check();

  return {
    close() {
      if (closed) return;
      closed = true;
      dirWatcher?.close();
      fileWatcher?.close();
      unwatchFile(path, poll);
      const f = current;
      current = null;
      if (f) void f.handle.close().catch(() => undefined);
    },
  };
}
