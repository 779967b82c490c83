import assert from 'node:assert/strict';
import { test } from 'node:test';
import { batchBeside, withProbeModel, workspacePath } from '../../src/extension/probe-model.ts';

test('a new nan-doctor.json names the model and the batch beside it', () => {
  const text = withProbeModel(null, 'exports/step.onnx', 'exports/batch.npz');
  assert.deepEqual(JSON.parse(text), { probe: { model: 'exports/step.onnx', data: 'exports/batch.npz' } });
});

test('an existing nan-doctor.json keeps its comments, other keys and indentation', () => {
  const before = '{\n    // tried on the cluster\n    "probe": { "iterations": 8, "data": "old.npz" },\n    "other": true\n}\n';
  const after = withProbeModel(before, 'step.onnx', null);
  assert.match(after, /\/\/ tried on the cluster/);
  assert.match(after, /"iterations": 8/);
  assert.match(after, /"model": "step.onnx"/);
  // The old batch belonged to another export.
  assert.doesNotMatch(after, /old\.npz/);
  assert.match(after, /"other": true/);
});

test('the batch beside an ONNX model: NAME.npz first, then batch.npz; none for other models', () => {
  const has = (files: string[]) => (p: string) => files.includes(p);
  assert.equal(batchBeside('/w/out/step.onnx', has(['/w/out/batch.npz', '/w/out/step.npz'])), '/w/out/step.npz');
  assert.equal(batchBeside('/w/out/step.onnx', has(['/w/out/batch.npz'])), '/w/out/batch.npz');
  assert.equal(batchBeside('/w/out/step.onnx', has([])), null);
  assert.equal(batchBeside('/w/model.json', has(['/w/batch.npz'])), null);
});

test('paths inside the workspace are written relative, others absolute', () => {
  assert.equal(workspacePath('/w/a/step.onnx', '/w'), 'a/step.onnx');
  assert.equal(workspacePath('/elsewhere/step.onnx', '/w'), '/elsewhere/step.onnx');
});
