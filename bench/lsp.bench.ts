// Time from a NaN line appended to a watched log to the server publishing the first-nonfinite diagnostic,
// over 100 runs (the log truncated and rewritten finite before each), against a bare fs.watch callback
// on the same file in the same run.
import { appendFileSync, readFileSync, rmSync, watch, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { copyExample, LspClient, uri, type Diagnostic } from '../test/server/lsp-client.ts';

const ROUNDS = 100;

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
};

async function main(): Promise<void> {
  const root = copyExample();
  const logPath = join(root, 'logs/train.log');
  const lines = readFileSync(logPath, 'utf8').split(/(?<=\n)/);
  const nanIndex = lines.findIndex((l) => l.includes('step_loss=nan'));
  const finite = lines.slice(0, nanIndex).join('');
  const nanLine = lines[nanIndex];
  writeFileSync(logPath, finite);
  const client = await LspClient.start(root);
  const logUri = uri(logPath);
  const firstNonFinite = (ds: Diagnostic[]) => ds.some((d) => d.code === 'first-nonfinite');
  const server: number[] = [];
  const bare: number[] = [];
  try {
    for (let i = 0; i < ROUNDS; i++) {
      if (i > 0) {
        writeFileSync(logPath, finite); // a new run: truncate and rewrite the finite part
        await client.diagnosticsFor(logUri, (ds) => !firstNonFinite(ds), 'the diagnostics of the old run to clear');
      }
      let watched = 0;
      const w = watch(logPath, () => {
        if (!watched) watched = performance.now();
      });
      const published = client.diagnosticsFor(logUri, firstNonFinite, 'the first-nonfinite diagnostic');
      const t0 = performance.now();
      appendFileSync(logPath, nanLine);
      await published;
      const t1 = performance.now();
      w.close();
      server.push(t1 - t0);
      if (watched) bare.push(watched - t0);
    }
  } finally {
    await client.stop();
    rmSync(root, { recursive: true, force: true });
  }
  const f = (x: number) => x.toFixed(1);
  console.log(`append → publishDiagnostics over ${server.length} runs: p50 = ${f(pct(server, 50))} ms, p95 = ${f(pct(server, 95))} ms, max = ${f(Math.max(...server))} ms`);
  console.log(`baseline, bare fs.watch callback on the same file (${bare.length} runs): p50 = ${f(pct(bare, 50))} ms, p95 = ${f(pct(bare, 95))} ms`);
  console.log(`ratio p50 server / fs.watch = ${(pct(server, 50) / pct(bare, 50)).toFixed(1)}x`);
  const p95 = pct(server, 95);
  console.log(`p95 = ${f(p95)} ms (target < 150 ms) ${p95 < 150 ? 'OK' : 'MISSED'}`);
}

void main().catch((e) => {
  console.error(e);
  process.exit(1);
});
