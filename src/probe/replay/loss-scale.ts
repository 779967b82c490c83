// Dynamic loss scaling as torch.cuda.amp.GradScaler: start at 2^16, halve and skip on overflow, double after 2000 good steps.
export class LossScaler {
  scale: number;
  private goodSteps = 0;
  private readonly dynamic: boolean;

  constructor(
    setting: 'dynamic' | number,
    private readonly growthInterval = 2000,
  ) {
    this.dynamic = setting === 'dynamic';
    this.scale = setting === 'dynamic' ? 65536 : setting;
  }

  /** Unscales the fp32 gradients in place (g · (1/scale) in fp32); returns true when one is inf/NaN (the step is skipped). */
  unscale(grads: Float32Array[]): boolean {
    const inv = Math.fround(1 / this.scale);
    let found = false;
    for (const g of grads) {
      for (let i = 0; i < g.length; i++) {
        const v = Math.fround(g[i] * inv);
        g[i] = v;
        if (v - v !== 0) found = true;
      }
    }
    return found;
  }

  /** GradScaler.update(): a static scale never changes. */
  update(foundInf: boolean): void {
    if (!this.dynamic) return;
    if (foundInf) {
      this.scale *= 0.5;
      this.goodSteps = 0;
    } else if (++this.goodSteps === this.growthInterval) {
      this.scale *= 2;
      this.goodSteps = 0;
    }
  }
}
