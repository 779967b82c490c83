// Waits on conditions that callbacks make true (no fixed sleeps): every callback calls notify().

export class Waiter {
  private waiting: { check: () => boolean; resolve: () => void }[] = [];

  notify(): void {
    this.waiting = this.waiting.filter((w) => {
      if (!w.check()) return true;
      w.resolve();
      return false;
    });
  }

  /** Resolves once `check()` holds; rejects after a generous timeout naming what never happened. */
  until(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
    if (check()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting = this.waiting.filter((w) => w.check !== check);
        reject(new Error(`timed out waiting for: ${what}`));
      }, timeoutMs);
      this.waiting.push({
        check,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
  }
}

/** A small seeded PRNG (mulberry32) so randomized runs repeat exactly. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
