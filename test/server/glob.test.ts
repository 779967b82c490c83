// The settings' glob patterns, as the server matches them against workspace-relative paths.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matcher } from '../../src/engine/glob.ts';
import { defaultSettings } from '../../src/server/settings.ts';

test('the default log globs find the training output of common frameworks and nothing else', () => {
  const isLog = matcher(defaultSettings.logGlobs);
  for (const p of ['train.log', 'logs/train.log', 'slurm-123456.out', 'jobs/slurm-1.out', 'lightning_logs/version_0/metrics.csv', 'runs/Nov25/events.out.tfevents.1732.host.1.0', 'mlruns/0/abc123/metrics/loss', 'out/checkpoint-500/trainer_state.json']) {
    assert.ok(isLog(p), p);
  }
  for (const p of ['train.py', 'configs/train.yaml', 'mlruns/0/abc/params/lr', 'logs/train.log.bak', 'notes.txt']) {
    assert.ok(!isLog(p), p);
  }
});

test('the default excludes skip dependencies and virtual environments at any depth', () => {
  const excluded = matcher(defaultSettings.exclude);
  for (const p of ['node_modules/x/a.log', 'a/b/node_modules/c.log', '.git/logs/HEAD', '.venv/lib/x.log', 'sub/venv/pip.log']) assert.ok(excluded(p), p);
  for (const p of ['logs/train.log', 'environment/train.log', 'venvs.log']) assert.ok(!excluded(p), p);
});

test('braces, character classes and ? work; regex characters in names are literal', () => {
  assert.ok(matcher(['**/*.{log,out}'])('a/b.out'));
  assert.ok(!matcher(['**/*.{log,out}'])('a/b.err'));
  assert.ok(matcher(['run[0-9].log'])('run3.log'));
  assert.ok(!matcher(['run[0-9].log'])('runx.log'));
  assert.ok(matcher(['run?.log'])('run1.log'));
  assert.ok(!matcher(['a+b.log'])('aab.log'));
  assert.ok(matcher(['a+b.log'])('a+b.log'));
  assert.ok(matcher(['**/x.log'])('x.log'), '**/ matches zero directories');
});
