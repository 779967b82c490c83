// Debounced jobs per key (a workspace folder): a request while the job runs makes it run once more after.
export class Scheduler {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly running = new Set<string>();
  private readonly again = new Set<string>();

  constructor(private readonly job: (key: string) => Promise<void>) {}

  schedule(key: string, delay: number): void {
    const t = this.timers.get(key);
    if (t) clearTimeout(t);
    this.timers.set(
      key,
      setTimeout(() => {
        this.timers.delete(key);
        if (this.running.has(key)) {
          this.again.add(key);
          return;
        }
        this.running.add(key);
        void this.job(key).finally(() => {
          this.running.delete(key);
          if (this.again.delete(key)) this.schedule(key, 0);
        });
      }, delay),
    );
  }

  dispose(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }
}
