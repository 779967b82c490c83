// What NaN Doctor knows about a process that writes a training log.

export interface ProcessInfo {
  pid: number;
  ppid: number;
  /** Real user id of the process. */
  uid: number;
  /** Start time since boot in clock ticks (/proc/PID/stat field 22), or `ps`'s start time: tells a reused pid apart. */
  startTime: string;
  /** Short name (`python3`, `tee`). */
  name: string;
  /** The full command line. */
  command: string;
}

/** A process writing the log; `through` is the relay it writes through (`python train.py | tee train.log`). */
export interface Writer extends ProcessInfo {
  through?: ProcessInfo;
}

/** The processes that have a log open for writing, and how they were found. */
export interface WriterSearch {
  writers: Writer[];
  /** `proc` (Linux /proc), `lsof`, or null when neither is available. */
  via: 'proc' | 'lsof' | null;
}
