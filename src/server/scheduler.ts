// Debounced jobs per key (a workspace folder): a request while the job runs makes it run once more after.
export class Scheduler {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly running = new Map<string, Promise<void>>();
  private readonly again = new Set<string>();

  constructor(private readonly job: (key: string) => Promise<void>) {}

  schedule(key: string, delay: number): void {
    const t = this.timers.get(key);
    if (t) clearTimeout(t);
    this.timers.set(
      key,
      setTimeout(() => {
        this.timers.delete(key);
        if (this.running.has(key)) this.again.add(key);
        else void this.start(key);
      }, delay),
    );
  }

  /** Runs the job now (after the one in progress) and resolves when a run that began after this call ends. */
  now(key: string): Promise<void> {
    const current = this.running.get(key);
    if (current) return current.then(() => this.now(key));
    const t = this.timers.get(key);
    if (t) clearTimeout(t);
    this.timers.delete(key);
    this.again.delete(key);
    return this.start(key);
  }

  private start(key: string): Promise<void> {
    const run = this.job(key)
      .catch(() => undefined) // the job reports its own errors
      .finally(() => {
        this.running.delete(key);
        if (this.again.delete(key)) this.schedule(key, 0);
      });
    this.running.set(key, run);
    return run;
  }

  dispose(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }
}
