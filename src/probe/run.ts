// runProbe: re-runs the first training iterations of a model with per-layer probes and reports what went non-finite.
import type { ProbeReport } from '../engine/types';
import { createReplay } from './replay/replay';
import type { ProbeSpec } from './spec';

export type { ProbeSpec } from './spec';

export interface ProbeProgress {
  iteration: number;
  total: number;
  message: string;
}

export interface RunProbeOptions {
  onProgress?(p: ProbeProgress): void;
  signal?: AbortSignal;
}

export async function runProbe(spec: ProbeSpec, opts: RunProbeOptions = {}): Promise<ProbeReport> {
  const total = spec.iterations ?? 5;
  if (!Number.isInteger(total) || total < 1) throw new Error(`iterations must be a positive integer (got ${spec.iterations})`);
  opts.signal?.throwIfAborted();
  const replay = await createReplay(spec);
  try {
    opts.onProgress?.({ iteration: 0, total, message: `replaying ${spec.model} on ${replay.backend}` });
    for (let i = 1; i <= total; i++) {
      opts.signal?.throwIfAborted();
      await replay.step();
      const r = replay.report();
      const state = r.firstNonFinite ? `first non-finite at iteration ${r.firstNonFinite.iteration} (${r.firstNonFinite.layer}, ${r.firstNonFinite.phase})` : 'finite so far';
      opts.onProgress?.({ iteration: i, total, message: `iteration ${i}/${total}: ${state}` });
    }
    return replay.report();
  } finally {
    replay.dispose();
  }
}
