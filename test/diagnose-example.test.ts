// The seed case end to end through the real reader, discovery and locators: examples/hallo-stage1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { diagnose } from '../src/engine/diagnose.ts';
import type { DiagnoseResult, NanDiagnostic } from '../src/engine/types.ts';
import { applyEdits } from './rules/helpers.ts';

const ROOT = join(__dirname, '..', 'examples', 'hallo-stage1');
const CONFIG = 'configs/train/stage1.yaml';
const SCRIPT = 'scripts/train_stage1.py';

let cached: Promise<DiagnoseResult> | undefined;
const result = () => (cached ??= diagnose({ root: ROOT }));

/** The 1-based line of the first line of `file` that contains `text`. */
function lineOf(file: string, text: string): number {
  const i = readFileSync(join(ROOT, file), 'utf8').split('\n').findIndex((l) => l.includes(text));
  assert.ok(i >= 0, `${file} contains ${text}`);
  return i + 1;
}

function on(diagnostics: NanDiagnostic[], file: string, line: number): NanDiagnostic[] {
  return diagnostics.filter((d) => d.file === file && d.range.start.line + 1 === line);
}

test('the example run went NaN at step 2 of logs/train.log', async () => {
  const r = await result();
  assert.equal(r.errors, undefined);
  assert.equal(r.runs.length, 1);
  assert.equal(r.runs[0].log, 'logs/train.log');
  assert.equal(r.runs[0].incident?.step, 2);
  assert.equal(r.runs[0].incident?.metric, 'step_loss');
  const first = r.diagnostics.find((d) => d.code === 'first-nonfinite');
  assert.equal(first?.file, 'logs/train.log');
  assert.equal(first?.range.start.line, r.runs[0].incident!.line - 1);
});

test('adam_epsilon 1.0e-8 is an error, with the log line as evidence and a 1.0e-6 fix', async () => {
  const r = await result();
  const [eps] = on(r.diagnostics, CONFIG, lineOf(CONFIG, 'adam_epsilon:'));
  assert.equal(eps?.code, 'optimizer-epsilon');
  assert.equal(eps.severity, 'error');
  assert.match(eps.message, /adam_epsilon 1\.0e-8 rounds to 0 in fp16 \(smallest fp16 subnormal is 6\.0e-8\)/);
  assert.match(eps.message, /weight_dtype: "fp16"/);
  assert.match(eps.message, /train\.log:\d+ shows step_loss=nan at step 2/);
  assert.ok(eps.related.some((x) => x.file === 'logs/train.log' && x.line === r.runs[0].incident!.line));
  assert.deepEqual(eps.change, { adam_epsilon: 1e-6 });
  const fixed = applyEdits(readFileSync(join(ROOT, CONFIG), 'utf8'), eps.fixes[0].edits);
  assert.match(fixed, /\n {2}adam_epsilon: 1\.0e-6\n/);
});

test('the precision lines: weight_dtype "fp16" and mixed_precision "no" are errors', async () => {
  const r = await result();
  const [wd] = on(r.diagnostics, CONFIG, lineOf(CONFIG, 'weight_dtype:'));
  assert.equal(wd?.code, 'precision');
  assert.equal(wd.severity, 'error');
  assert.match(wd.message, /imageproj\.to\(weight_dtype\)/);
  assert.deepEqual(wd.change, { weight_dtype: 'fp32' });
  const [mp] = on(r.diagnostics, CONFIG, lineOf(CONFIG, 'mixed_precision:'));
  assert.equal(mp?.code, 'precision');
  assert.equal(mp.severity, 'error');
  const both = applyEdits(readFileSync(join(ROOT, CONFIG), 'utf8'), mp.fixes[0].edits);
  assert.match(both, /mixed_precision: "fp16"/);
  assert.match(both, /weight_dtype: "fp32"/);
});

test("validation: the script's hard-coded `or global_step == 1` and the config's validation_steps", async () => {
  const r = await result();
  const triggerLine = lineOf(SCRIPT, 'or global_step == 1:');
  const [trigger] = on(r.diagnostics, SCRIPT, triggerLine);
  assert.equal(trigger?.code, 'validation-frequency');
  assert.ok(trigger.severity === 'error' || trigger.severity === 'warning');
  assert.deepEqual(trigger.change, { validation: 'no-step-1' });
  const script = readFileSync(join(ROOT, SCRIPT), 'utf8');
  const fixed = applyEdits(script, trigger.fixes[0].edits).split('\n')[triggerLine - 1];
  assert.equal(fixed, '                if global_step % cfg.val.validation_steps == 0:');
  const [steps] = on(r.diagnostics, CONFIG, lineOf(CONFIG, 'validation_steps:'));
  assert.equal(steps?.code, 'validation-frequency');
  assert.match(steps.message, /raising validation_steps alone changes nothing/);
});

test('the learning rate (1e-5) and clipping (max_grad_norm 1.0) are cleared: information at most, saying why', async () => {
  const r = await result();
  for (const [key, code] of [
    ['learning_rate:', 'learning-rate'],
    ['max_grad_norm:', 'gradient-clipping'],
  ]) {
    const ds = on(r.diagnostics, CONFIG, lineOf(CONFIG, key));
    assert.ok(ds.length >= 1, `${key} is explained`);
    for (const d of ds) {
      assert.equal(d.code, code);
      assert.ok(d.severity === 'information' || d.severity === 'hint', `${key}: ${d.severity}`);
      assert.match(d.message, /cleared/);
    }
  }
});
