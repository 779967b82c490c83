// The probe's cost: (a) a probed training step against the same step unprobed, on the same model and
// backend (target ≤ 1.25); (b) start to verdict with base + counterfactuals in parallel workers (target < 10 s),
// on the seed replica and on the imported (ONNX) transformer block. (b) runs dist/worker.js: `npm run build` first.
import { createReplay, type Replay } from '../src/probe/replay/replay';
import { defaultWorkerPath } from '../src/probe/worker/client';
import { defaultCandidates, runSweep, isFinite, describeChange } from '../src/probe/verify/sweep';
import type { ProbeSpec } from '../src/probe/spec';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { cpus, loadavg } from 'node:os';

const WARMUP = 2;
const STEPS = Number(process.env.BENCH_STEPS ?? 12);
// The MLP's step is about a millisecond: it needs many more steps for a stable median.
const MLP_STEPS = Number(process.env.BENCH_MLP_STEPS ?? 300);
// The imported block's step is a few milliseconds of many small ops.
const ONNX_STEPS = Number(process.env.BENCH_ONNX_STEPS ?? 100);
// What examples/hallo-stage1's config and script amount to.
const seed = { learning_rate: 1e-5, adam_epsilon: 1e-8, weight_dtype: 'fp16', mixed_precision: 'no', max_grad_norm: 1.0, optimizer: 'adamw', weight_decay: 1e-2, warmup_steps: 1, validation: 'after-step-1' };
// The transformer block torch exported (test/probe/fixtures/onnx), with its batch; the seed case's optimizer and precision.
const onnx = join(__dirname, '..', 'test', 'probe', 'fixtures', 'onnx');
const block: ProbeSpec = { model: join(onnx, 'transformer.onnx'), data: join(onnx, 'transformer.npz'), hyperparameters: { ...seed, validation: 'none' } };

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

async function timeStep(replay: Replay): Promise<number> {
  const t = performance.now();
  await replay.step();
  return performance.now() - t;
}

/** Median step milliseconds probed and unprobed, the two replays' steps interleaved so drift hits both alike. */
async function probeOverhead(label: string, spec: ProbeSpec, steps: number): Promise<void> {
  const iterations = WARMUP + steps;
  const probed = await createReplay({ ...spec, iterations }, { probes: true });
  const plain = await createReplay({ ...spec, iterations }, { probes: false });
  try {
    for (let i = 0; i < WARMUP; i++) {
      await probed.step();
      await plain.step();
    }
    const on: number[] = [];
    const off: number[] = [];
    for (let i = 0; i < steps; i++) {
      // Alternate which goes first, so neither always runs on a warmer cache.
      if (i % 2) {
        off.push(await timeStep(plain));
        on.push(await timeStep(probed));
      } else {
        on.push(await timeStep(probed));
        off.push(await timeStep(plain));
      }
    }
    const ratio = median(on) / median(off);
    console.log(
      `probe overhead, ${label} on ${probed.backend}: probed ${median(on).toFixed(2)} ms / unprobed ${median(off).toFixed(2)} ms per step = ${ratio.toFixed(2)} (target ≤ 1.25: ${ratio <= 1.25 ? 'met' : 'MISSED'}; median of ${steps} steps)`,
    );
  } finally {
    probed.dispose();
    plain.dispose();
  }
}

async function timeToVerdict(label: string, spec: ProbeSpec, want: number): Promise<void> {
  if (!existsSync(defaultWorkerPath())) throw new Error(`${defaultWorkerPath()} is missing: run npm run build`);
  // The usual fixes that apply to the seed case's settings, and a warmup when they are fewer than wanted.
  const candidates = [...defaultCandidates(spec.hyperparameters), { change: { warmup_steps: 10 } }].slice(0, want);
  const t = performance.now();
  const { base, counterfactuals } = await runSweep({ ...spec, iterations: 5 }, candidates, { parallel: 2 });
  const seconds = (performance.now() - t) / 1000;
  // Wall time depends on what else the machine runs: say so.
  const load = `load average ${loadavg()[0].toFixed(1)} on ${cpus().length} cores`;
  const verdicts = counterfactuals.map((c) => `${describeChange(c.change)} ${c.finite === null ? '–' : c.finite ? '✓' : '✗'}`).join('; ');
  console.log(
    `start to verdict, ${label}, base + ${counterfactuals.length} counterfactuals, 5 iterations, 2 workers on ${base.backend}: ${seconds.toFixed(2)} s / 10 s target = ${(seconds / 10).toFixed(2)} (${seconds < 10 ? 'met' : 'MISSED'}; ${load}); base ${isFinite(base) ? 'finite' : 'non-finite'}; ${verdicts}`,
  );
}

async function main(): Promise<void> {
  await probeOverhead('imageproj seed replica (fp16 weights, AdamW)', { model: 'builtin:imageproj', hyperparameters: seed }, STEPS);
  await probeOverhead('3-layer MLP (fp32)', { model: 'builtin:mlp', hyperparameters: { learning_rate: 1e-3, optimizer: 'adamw' } }, MLP_STEPS);
  await probeOverhead('imported transformer block (ONNX, fp32 AdamW)', { ...block, hyperparameters: { optimizer: 'adamw', learning_rate: 1e-3 } }, ONNX_STEPS);
  await timeToVerdict('imageproj seed case', { model: 'builtin:imageproj', hyperparameters: seed }, 5);
  await timeToVerdict('imported transformer block (ONNX), seed-case settings', block, 5);
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
