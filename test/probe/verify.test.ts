// verifyDiagnostics on the seed example (needs `npm run build`: the probe runs in dist/worker.js workers).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { diagnose, diagnoseWithFiles } from '../../src/engine/diagnose';
import { verifyDiagnostics, readWorkspaceProbeSettings, resolveData, resolveModel } from '../../src/probe/verify/verify';
import type { NanDiagnostic } from '../../src/engine/types';

const example = join(process.cwd(), 'examples', 'hallo-stage1');

test('the example: the epsilon fix is verified by a re-run, the log line and cleared settings are not', async () => {
  const result = await diagnose({ root: example });
  const epsilon = result.diagnostics.find((d) => d.code === 'optimizer-epsilon');
  assert.ok(epsilon, 'the rules found no optimizer-epsilon diagnostic in the example');
  assert.equal(epsilon.verified, false);

  const messages: string[] = [];
  const verified = await verifyDiagnostics(result, { root: example, iterations: 3, onProgress: (m) => messages.push(m) });
  assert.equal(verified.diagnostics.find((d) => d.code === 'optimizer-epsilon')?.verified, true);
  assert.equal(verified.diagnostics.find((d) => d.code === 'first-nonfinite')?.verified, false);
  for (const d of verified.diagnostics.filter((x) => x.severity === 'information')) assert.equal(d.verified, false, d.code);

  const probe = verified.probe;
  assert.ok(probe);
  assert.equal(probe.model, 'builtin:imageproj');
  assert.equal(probe.firstNonFinite?.iteration, 2);
  assert.equal(probe.origin?.phase, 'update');
  const cf = probe.counterfactuals.find((c) => c.change.adam_epsilon !== undefined);
  assert.ok(cf);
  assert.equal(cf.finite, true);
  // Located where the user wrote it (1-based line, the way logs and compilers count).
  assert.deepEqual([cf.key, cf.file, cf.line], ['solver.adam_epsilon', 'configs/train/stage1.yaml', epsilon.range.start.line + 1]);
  // The cleared learning rate's usual fix was tried too: learning rate / 10 stays non-finite, which is what clears it.
  const learningRate = verified.diagnostics.find((d) => d.code === 'learning-rate');
  assert.ok(learningRate && learningRate.change === undefined, 'the example has a cleared learning-rate diagnostic');
  assert.equal(learningRate.verified, false);
  const lower = probe.counterfactuals.find((c) => c.change.learning_rate !== undefined);
  assert.ok(lower, JSON.stringify(probe.counterfactuals.map((c) => c.change)));
  assert.equal(lower.change.learning_rate, 1e-6);
  assert.equal(lower.finite, false);
  // Every counterfactual points at the line of the diagnostic whose fix it tried (a cleared one's, for lr / 10).
  for (const c of probe.counterfactuals) {
    const d: NanDiagnostic | undefined = verified.diagnostics.find((x) => (x.change && JSON.stringify(x.change) === JSON.stringify(c.change)) || (x === learningRate && c === lower));
    assert.ok(d, `no diagnostic for ${JSON.stringify(c.change)}`);
    assert.deepEqual([c.file, c.line], [d.file, d.range.start.line + 1], JSON.stringify(c.change));
  }
  assert.ok(messages.some((m) => /finite/.test(m)));
  // The input is left as it was.
  assert.equal(result.diagnostics.find((d) => d.code === 'optimizer-epsilon')?.verified, false);
});

test('no model anywhere: a stand-in of the task family re-runs the settings, verifies epsilon and precision, never the learning rate', async () => {
  const root = mkdtempSync(join(tmpdir(), 'nan-doctor-verify-'));
  cpSync(example, root, { recursive: true, filter: (src) => basename(src) !== 'nan-doctor.json' });
  const { result, files } = await diagnoseWithFiles({ root });
  const verified = await verifyDiagnostics(result, { root, files, iterations: 3 });
  const probe = verified.probe!;
  assert.equal(probe.standIn, true);
  assert.equal(probe.model, 'builtin:standin-conv', 'a diffusion project is vision: the conv stand-in');
  assert.equal(probe.origin?.phase, 'update');
  const epsilon = verified.diagnostics.find((d) => d.code === 'optimizer-epsilon')!;
  assert.equal(epsilon.verified, true);
  assert.equal(epsilon.verifiedBy, 'stand-in');
  const lr = probe.counterfactuals.find((c) => c.change.learning_rate !== undefined);
  assert.ok(lr, 'the cleared learning rate is still tried');
  assert.equal(lr.finite, null);
  assert.match(lr.untestable ?? '', /not something a stand-in model represents/);
  for (const d of verified.diagnostics.filter((x) => x.code === 'learning-rate' || x.code === 'validation-frequency')) assert.equal(d.verified, false, d.code);
});

test('a broken nan-doctor.json is a clear error, and its probe section is read', async () => {
  const root = mkdtempSync(join(tmpdir(), 'nan-doctor-verify-'));
  writeFileSync(join(root, 'nan-doctor.json'), '{ "probe": { "model": ');
  await assert.rejects(readWorkspaceProbeSettings(root), /nan-doctor\.json: not valid JSON/);
  writeFileSync(join(root, 'nan-doctor.json'), '{ "probe": { "model": "builtin:imageproj", "iterations": 4, "backend": "gpu" } }');
  await assert.rejects(readWorkspaceProbeSettings(root), /probe\.backend must be/);
  writeFileSync(join(root, 'nan-doctor.json'), '{ "probe": { "model": "builtin:imageproj", "iterations": 4, "data": "x.npy" } }');
  assert.deepEqual(await readWorkspaceProbeSettings(root), { model: 'builtin:imageproj', iterations: 4, data: 'x.npy' });
  // Paths are the workspace's; builtin models and synthetic data are not paths.
  assert.equal(resolveData('x.npy', '/ws'), '/ws/x.npy');
  assert.equal(resolveData('synthetic:2x512@0.5', '/ws'), 'synthetic:2x512@0.5');
  assert.equal(resolveModel('models/model.json', '/ws'), '/ws/models/model.json');
  assert.equal(resolveModel('builtin:imageproj', '/ws'), 'builtin:imageproj');
});
