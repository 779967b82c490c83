// Files discovery found that cannot be read are notes (the exit status follows the findings);
// files the user named that cannot be read exit 2 with the reason. The built CLI, as CI calls it.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const REPO = join(__dirname, '..', '..');
const CLI = join(REPO, 'dist', 'cli.js');

function cli(args: string[], cwd: string) {
  return spawnSync(process.execPath, [CLI, 'diagnose', ...args], { cwd, encoding: 'utf8' });
}

function workspace(t: { after(fn: () => void): void }, files: Record<string, string | Buffer>): string {
  const dir = mkdtempSync(join(tmpdir(), 'nan-doctor-found-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  for (const [rel, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), content);
  }
  return dir;
}

before(() => {
  if (!existsSync(CLI)) assert.equal(spawnSync('npm', ['run', 'build'], { cwd: REPO, stdio: 'ignore' }).status, 0);
});

// A Helm chart template: YAML with Go template directives, which no YAML parser reads.
const HELM = 'apiVersion: apps/v1\nkind: Deployment\nspec:\n  {{- if .Values.lr }}\n  learning_rate: {{ .Values.lr }}\n  {{- end }}\n';

test('an unrelated Helm template that mentions learning_rate is a note; the finding decides the exit (1)', (t) => {
  const dir = workspace(t, {
    'train.log': 'step 1 loss: 0.5\nstep 2 loss: nan\n',
    'configs/train.yaml': 'learning_rate: 0.5\nmax_grad_norm: 1.0\n',
    'charts/templates/deploy.yaml': HELM,
  });
  const text = cli(['.'], dir);
  assert.equal(text.status, 1, text.stdout + text.stderr);
  assert.match(text.stdout, /configs\/train\.yaml:1:\d+: error: learning_rate 0\.5 is high/);
  assert.match(text.stdout, /\nSkipped \(found, but could not be read\):\n {2}charts\/templates\/deploy\.yaml: note: invalid YAML/);
  assert.equal(text.stderr, '');
  const json = cli(['.', '--format', 'json'], dir);
  assert.equal(json.status, 1);
  assert.deepEqual(JSON.parse(json.stdout).errors.map((e: { file: string }) => e.file), ['charts/templates/deploy.yaml']);
});

test('a stray binary .log beside a finite run is a note, and the run is finite: exit 0', (t) => {
  const dir = workspace(t, {
    'logs/train.log': 'step 1 loss: 0.5\nstep 2 loss: 0.4\n',
    'logs/run.log': Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52, 0x00, 0x01]),
    'config.yaml': 'learning_rate: 1e-5\nmax_grad_norm: 1.0\n',
  });
  const r = cli(['.'], dir);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /logs\/train\.log: no non-finite value/);
  assert.match(r.stdout, /logs\/run\.log: note: binary/);
});

test('the same files named with --log / --config still exit 2 with the file and the reason on stderr', (t) => {
  const dir = workspace(t, {
    'train.log': 'step 1 loss: 0.5\nstep 2 loss: nan\n',
    'charts/templates/deploy.yaml': HELM,
    'logs/run.log': Buffer.from([0x00, 0x01, 0x02, 0x03, 0xff, 0xfe]),
  });
  const config = cli(['.', '--config', 'charts/templates/deploy.yaml'], dir);
  assert.equal(config.status, 2);
  assert.match(config.stderr, /^nan-doctor diagnose: charts\/templates\/deploy\.yaml: invalid YAML/);
  assert.match(config.stdout, /\nCould not read:\n {2}charts\/templates\/deploy\.yaml: error: /);
  const log = cli(['.', '--log', 'logs/run.log'], dir);
  assert.equal(log.status, 2);
  assert.match(log.stderr, /logs\/run\.log: binary/);
});

test('detectron2 output/ with no *.log is found: exit 1, not "no training output"', (t) => {
  const dir = workspace(t, {
    'output/log.txt':
      '[11/25 18:00:05 d2.utils.events]:  eta: 0:12:34  iter: 19  total_loss: 2.104  loss_cls: 1.213  time: 0.3811  data_time: 0.0129  lr: 3.9962e-05  max_mem: 2694M\n' +
      '[11/25 18:00:13 d2.utils.events]:  eta: 0:12:26  iter: 39  total_loss: nan  loss_cls: nan  time: 0.3807  data_time: 0.0121  lr: 7.9922e-05  max_mem: 2694M\n',
  });
  const r = cli(['.', '--format', 'json'], dir);
  assert.equal(r.status, 1, r.stdout + r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.runs[0].log, 'output/log.txt');
  assert.equal(out.runs[0].incident.line, 2);
});

test('a named config that is a symlink loop says so, not "no such config file"', (t) => {
  const dir = workspace(t, { 'train.log': 'step 1 loss: nan\n' });
  symlinkSync('l2.yaml', join(dir, 'l1.yaml'));
  symlinkSync('l1.yaml', join(dir, 'l2.yaml'));
  const r = cli(['.', '--config', 'l1.yaml'], dir);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /l1\.yaml: symbolic link loop/);
  assert.doesNotMatch(r.stderr, /no such/);
  assert.equal(r.stderr.trim().split('\n').length, 1);
});
