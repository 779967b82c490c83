// `nan-doctor diagnose` as CI and other editors call it: the built CLI, its exit statuses and its JSON.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const REPO = join(__dirname, '..', '..');
const CLI = join(REPO, 'dist', 'cli.js');
const EXAMPLE = 'examples/hallo-stage1';

function cli(args: string[], cwd = REPO) {
  return spawnSync(process.execPath, [CLI, 'diagnose', ...args], { cwd, encoding: 'utf8' });
}

before(() => {
  // `npm test` builds first; a lone run of this file builds if dist/ is missing
  if (!existsSync(CLI)) assert.equal(spawnSync('npm', ['run', 'build'], { cwd: REPO, stdio: 'ignore' }).status, 0);
});

test('the example: exit 1, the contract JSON, paths relative to DIR', () => {
  const r = cli([EXAMPLE, '--format', 'json']);
  assert.equal(r.status, 1, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.version, 1);
  assert.equal(out.probe, null);
  assert.equal(out.runs.length, 1);
  assert.equal(out.runs[0].log, 'logs/train.log');
  assert.equal(out.runs[0].incident.step, 2);
  for (const d of out.diagnostics) {
    assert.deepEqual(Object.keys(d).filter((k) => k !== 'change').sort(), ['code', 'file', 'fixes', 'message', 'range', 'related', 'severity', 'verified']);
    assert.ok(['error', 'warning', 'information', 'hint'].includes(d.severity));
    assert.equal(typeof d.range.start.line, 'number');
    assert.equal(typeof d.range.end.character, 'number');
    assert.equal(d.verified, false);
    assert.ok(!d.file.startsWith('/') && !d.file.startsWith(EXAMPLE), d.file);
  }
  const eps = out.diagnostics.find((d: { code: string }) => d.code === 'optimizer-epsilon');
  assert.equal(eps.file, 'configs/train/stage1.yaml');
  assert.deepEqual(eps.fixes[0].edits[0].newText, '1.0e-6');
});

test('text output reads as a report: what happened, likely causes, what was ruled out', () => {
  const r = cli([EXAMPLE]);
  assert.equal(r.status, 1);
  assert.match(r.stdout, /^NaN Doctor: 1 run read, 1 went non-finite/);
  assert.match(r.stdout, /\nLikely causes, most certain first:\n {2}configs\/train\/stage1\.yaml:\d+:\d+: error: adam_epsilon 1\.0e-8 rounds to 0 in fp16/);
  assert.match(r.stdout, /\nChecked and ruled out:\n(.*\n)*.*learning_rate 1\.0e-5 .*\(cleared\) \[learning-rate\]/);
  assert.match(r.stdout, /--probe/);
});

test('SARIF: one run, rules are the diagnostic codes', () => {
  const r = cli([EXAMPLE, '--format=sarif']);
  assert.equal(r.status, 1);
  const sarif = JSON.parse(r.stdout);
  assert.equal(sarif.version, '2.1.0');
  assert.equal(sarif.runs.length, 1);
  const ids = sarif.runs[0].tool.driver.rules.map((x: { id: string }) => x.id);
  assert.ok(ids.includes('optimizer-epsilon') && ids.includes('validation-frequency'));
});

test('a finite run with safe settings exits 0', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'nan-doctor-cli-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'train.log'), "{'loss': 2.3012, 'grad_norm': 1.53, 'learning_rate': 2e-05, 'epoch': 0.01}\n{'loss': 2.1044, 'grad_norm': 1.21, 'learning_rate': 2e-05, 'epoch': 0.02}\n");
  writeFileSync(join(dir, 'args.json'), '{ "learning_rate": 2e-5, "max_grad_norm": 1.0, "warmup_steps": 100 }\n');
  const r = cli([dir, '--format', 'json']);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.runs[0].incident, null);
  assert.equal(out.diagnostics.filter((d: { severity: string }) => d.severity === 'error' || d.severity === 'warning').length, 0);
});

test('usage errors and unreadable input exit 2 with one line naming the file', (t) => {
  const unknown = cli([EXAMPLE, '--frobnicate']);
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /unknown option '--frobnicate'/);
  const noDir = cli(['no/such/dir']);
  assert.equal(noDir.status, 2);
  assert.match(noDir.stderr, /no\/such\/dir: no such directory/);
  const missing = cli([EXAMPLE, '--log', 'logs/nope.log']);
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /logs\/nope\.log: no such log file/);
  assert.equal(missing.stderr.trim().split('\n').length, 1);

  const dir = mkdtempSync(join(tmpdir(), 'nan-doctor-cli-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  cpSync(join(REPO, EXAMPLE), dir, { recursive: true });
  writeFileSync(join(dir, 'broken.yaml'), 'solver: [1,\n');
  const broken = cli([dir, '--config', 'broken.yaml', '--config', 'configs/train/stage1.yaml', '--format', 'json']);
  assert.equal(broken.status, 2);
  assert.match(broken.stderr, /broken\.yaml: .*YAML/);
  const out = JSON.parse(broken.stdout);
  assert.ok(out.diagnostics.some((d: { code: string }) => d.code === 'optimizer-epsilon'), 'the other files are still diagnosed');
  assert.equal(out.errors[0].file, 'broken.yaml');
});

test('--probe re-runs the example and marks the epsilon fix verified (the one CPU-heavy test here)', () => {
  const r = cli([EXAMPLE, '--probe', '--format', 'json']);
  assert.equal(r.status, 1, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.probe.version, 1);
  assert.equal(out.probe.model, 'builtin:imageproj');
  const eps = out.diagnostics.find((d: { code: string }) => d.code === 'optimizer-epsilon');
  assert.equal(eps.verified, true);
  const trigger = out.diagnostics.find((d: { code: string; file: string }) => d.code === 'validation-frequency' && d.file === 'scripts/train_stage1.py');
  assert.equal(trigger.verified, false, 'removing the step-1 validation alone does not make it finite');
  assert.match(r.stderr, /probe: /);
});

test('a directory with no training output says so and how to name a log', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'nan-doctor-cli-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'README.md'), '# nothing here\n');
  const r = cli([dir]);
  assert.equal(r.status, 0);
  assert.match(r.stdout, /no training output found in .* \(name one with --log FILE\)/);
});
