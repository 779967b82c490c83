import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { main } from '../../src/cli/main';
import { exitStatus, render } from '../../src/cli/output';
import type { DiagnoseResult } from '../../src/engine/types';

const fixtures = join(__dirname, '..', 'output', 'fixtures');

async function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s), cwd: fixtures });
  return { code, stdout, stderr };
}

test('scan --format json prints the contract shape and exits 1 on an incident', async () => {
  const r = await run(['scan', '--format', 'json', 'accelerate-tqdm.log']);
  assert.equal(r.code, 1);
  const out = JSON.parse(r.stdout);
  assert.equal(out.version, 1);
  assert.deepEqual(Object.keys(out.runs[0]).sort(), ['command', 'finiteStepBefore', 'formats', 'incident', 'log', 'lrAtIncident', 'steps']);
  assert.deepEqual(out.runs[0].incident, {
    line: 6, step: 4, metric: 'step_loss', value: 'nan', kind: 'metric', rank: null, before: [{ line: 5, step: 3, event: 'validation' }],
    epoch: null, nonFinite: ['step_loss'], cell: null,
  });
  assert.equal(out.runs[0].log, 'accelerate-tqdm.log');
});

test('a finite log exits 0; text output is compiler style', async () => {
  const finite = await run(['scan', 'tqdm-eta.trap.log']);
  assert.equal(finite.code, 0);
  assert.match(finite.stdout, /^tqdm-eta\.trap\.log: note: no non-finite value/);
  const bad = await run(['scan', 'python-logging.log']);
  assert.equal(bad.code, 1);
  assert.match(bad.stdout, /^python-logging\.log:10:1: error: first non-finite value: loss = nan at step 6; also non-finite: grad_norm \[first-nonfinite\]$/m);
});

test('unreadable input exits 2 with one line naming the file and the reason', async () => {
  const r = await run(['scan', 'no-such.log']);
  assert.equal(r.code, 2);
  assert.equal(r.stderr, 'nan-doctor scan: no-such.log: no such file\n');
  assert.equal((await run(['scan'])).code, 2);
  assert.match((await run(['scan', '--format', 'xml', 'a.log'])).stderr, /unknown format 'xml'/);
});

test('other logs are still reported when one is unreadable', async () => {
  const r = await run(['scan', '--format', 'json', 'megatron.log', 'missing.log']);
  assert.equal(r.code, 2);
  assert.equal(JSON.parse(r.stdout).runs[0].incident.line, 4);
  assert.match(r.stderr, /missing\.log: no such file/);
});

test('SARIF 2.1.0: one run, rules are diagnostic codes, incidents as results', async () => {
  const r = await run(['scan', '--format', 'sarif', 'fairseq.log', 'info-words.trap.log']);
  const sarif = JSON.parse(r.stdout);
  assert.equal(sarif.version, '2.1.0');
  assert.equal(sarif.runs.length, 1);
  assert.deepEqual(sarif.runs[0].tool.driver.rules.map((x: { id: string }) => x.id), ['first-nonfinite']);
  assert.equal(sarif.runs[0].results.length, 1);
  // The cascade that fell below a scale of 1 starts at line 5 (the FloatingPointError at line 13 comes after it).
  assert.deepEqual(sarif.runs[0].results[0].locations[0].physicalLocation, { artifactLocation: { uri: 'fairseq.log' }, region: { startLine: 5 } });
});

const diagnosed: DiagnoseResult = {
  version: 1,
  runs: [{ log: 'train.log', formats: ['tqdm'], incident: { line: 16, step: 2, metric: 'step_loss', value: 'nan', kind: 'metric', rank: null, before: [], epoch: null, nonFinite: ['step_loss'] }, steps: { first: 0, last: 4 } }],
  diagnostics: [
    {
      file: 'configs/stage1.yaml',
      range: { start: { line: 27, character: 16 }, end: { line: 27, character: 22 } },
      severity: 'error',
      code: 'optimizer-epsilon',
      message: 'adam_epsilon 1.0e-8 rounds to 0 in fp16',
      related: [{ file: 'train.log', line: 16, message: 'first NaN: step_loss at step 2' }],
      fixes: [{ title: 'Set adam_epsilon to 1e-6', edits: [{ range: { start: { line: 27, character: 16 }, end: { line: 27, character: 22 } }, newText: '1.0e-6' }] }],
      verified: true,
    },
    {
      file: 'configs/stage1.yaml',
      range: { start: { line: 3, character: 2 }, end: { line: 3, character: 8 } },
      severity: 'information',
      code: 'learning-rate',
      message: 'learning_rate 1e-5 is not high',
      related: [],
      fixes: [],
      verified: false,
    },
  ],
  probe: null,
};

test('diagnostics render as compiler-style text with 1-based positions', () => {
  const text = render(diagnosed, 'text');
  assert.match(text, /^configs\/stage1\.yaml:28:17: error: adam_epsilon 1\.0e-8 rounds to 0 in fp16 \[optimizer-epsilon\] \(verified\)$/m);
  assert.match(text, /^ {2}train\.log:16: note: first NaN: step_loss at step 2$/m);
  assert.match(text, /^ {2}fix: Set adam_epsilon to 1e-6$/m);
  assert.equal(exitStatus(diagnosed), 1);
  assert.equal(exitStatus({ ...diagnosed, runs: [], diagnostics: [diagnosed.diagnostics[1]] }), 0);
});

test('diagnostics become SARIF results with 1-based regions, related locations and fixes', () => {
  const sarif = JSON.parse(render(diagnosed, 'sarif'));
  const [incident, epsilon, lr] = sarif.runs[0].results;
  assert.equal(incident.ruleId, 'first-nonfinite');
  assert.equal(epsilon.ruleId, 'optimizer-epsilon');
  assert.equal(epsilon.level, 'error');
  assert.deepEqual(epsilon.locations[0].physicalLocation.region, { startLine: 28, startColumn: 17, endLine: 28, endColumn: 23 });
  assert.deepEqual(epsilon.relatedLocations[0].physicalLocation, { artifactLocation: { uri: 'train.log' }, region: { startLine: 16 } });
  assert.deepEqual(epsilon.fixes[0].artifactChanges[0].replacements[0], {
    deletedRegion: { startLine: 28, startColumn: 17, endLine: 28, endColumn: 23 },
    insertedContent: { text: '1.0e-6' },
  });
  assert.equal(lr.level, 'note');
  assert.deepEqual(sarif.runs[0].tool.driver.rules.map((r: { id: string }) => r.id), ['first-nonfinite', 'optimizer-epsilon', 'learning-rate']);
  assert.equal(epsilon.ruleIndex, 1);
});

test('JSON rendering is the result itself, each incident saying its cell (null outside notebooks)', () => {
  const withCell = { ...diagnosed, runs: diagnosed.runs.map((r) => (r.incident ? { ...r, incident: { ...r.incident, cell: null } } : r)) };
  assert.deepEqual(JSON.parse(render(diagnosed, 'json')), withCell);
});

test('scan --help prints usage and exits 0; scan - says standard input is not read', async () => {
  const help = await run(['scan', '--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /^usage: nan-doctor scan /);
  assert.equal(help.stderr, '');
  const stdin = await run(['scan', '-']);
  assert.equal(stdin.code, 2);
  assert.match(stdin.stderr, /^nan-doctor scan: -: reading a log from standard input is not supported; save the output to a file first/);
});

test('SARIF URIs percent-encode the characters a file name may hold (#, ?, spaces)', () => {
  const result = { version: 1 as const, runs: [{ log: 'runs/my run#1?.log', formats: [], incident: { line: 2, step: 1, metric: 'loss', value: 'nan' as const, kind: 'metric' as const, rank: null, before: [], epoch: null, nonFinite: ['loss'] }, steps: null }] };
  const sarif = JSON.parse(render(result, 'sarif'));
  assert.equal(sarif.runs[0].results[0].locations[0].physicalLocation.artifactLocation.uri, 'runs/my%20run%231%3F.log');
});

test('text output lists the events just before the incident nearest last', async () => {
  const r = await run(['scan', 'mmengine.log']);
  assert.match(r.stdout, /just before: checkpoint \(line 4\), validation \(line 5\), validation \(line 6\) \[first-nonfinite\]$/m);
});
