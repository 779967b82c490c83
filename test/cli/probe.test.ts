// nan-doctor probe: arguments, exit codes and output (the probe runs need `npm run build` for dist/worker.js).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { main } from '../../src/cli/main';
import { parseProbeArgs, parseSetValue } from '../../src/cli/probe';
import type { CliIO } from '../../src/cli/io';

function run(args: string[], cwd = process.cwd()): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIO = { stdout: (s) => void (out += s), stderr: (s) => void (err += s), cwd };
  return main(['probe', ...args], io).then((code) => ({ code, out, err }));
}

test('--set values become numbers, booleans and strings', () => {
  assert.equal(parseSetValue('1e-6'), 1e-6);
  assert.equal(parseSetValue('0.5'), 0.5);
  assert.equal(parseSetValue('true'), true);
  assert.equal(parseSetValue('False'), false);
  assert.equal(parseSetValue('fp16'), 'fp16');
  assert.equal(parseSetValue('"1e-6"'), '1e-6');
  const a = parseProbeArgs(['--model', 'builtin:imageproj', '--set', 'adam_epsilon=1e-6', '--set=weight_dtype=fp16', '--iterations', '3', '--no-sweep']);
  assert.deepEqual(a.sets, { adam_epsilon: 1e-6, weight_dtype: 'fp16' });
  assert.equal(a.iterations, 3);
  assert.equal(a.sweep, false);
});

test('usage errors exit 2 with one clear line', async () => {
  for (const [args, message] of [
    [[], /--model is required/],
    [['--model', 'builtin:imageproj', '--iterations', 'many'], /--iterations must be a whole number/],
    [['--model', 'builtin:imageproj', '--set', 'adam_epsilon'], /--set needs KEY=VALUE/],
    [['--model', 'builtin:imageproj', '--format', 'sarif'], /--format must be json or html/],
    [['--model', 'builtin:imageproj', '--frobnicate'], /unknown option '--frobnicate'/],
  ] as const) {
    const r = await run([...args]);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.err}`);
    assert.match(r.err, message);
    assert.equal(r.err.trim().split('\n').length, 1);
  }
});

test('an unreadable config exits 2 naming the file', async () => {
  const r = await run(['--model', 'builtin:imageproj', '--config', '/nonexistent/stage1.yaml', '--no-sweep']);
  assert.equal(r.code, 2);
  assert.match(r.err, /stage1\.yaml/);
});

test('an unreadable config is named as typed, not relative to the working folder', async () => {
  const r = await run(['--model', 'builtin:imageproj', '--config', '/nonexist.yaml']);
  assert.equal(r.code, 2);
  assert.match(r.err, /^nan-doctor probe: \/nonexist\.yaml: /);
  assert.doesNotMatch(r.err, /\.\.\//);
});

test('unknown --set keys are usage errors naming the key, the closest name and the accepted ones', async () => {
  for (const [set, near] of [['lr=1000', 'learning_rate'], ['eps=0', 'adam_epsilon'], ['learnin_rate=1', 'learning_rate']]) {
    const r = await run(['--model', 'builtin:imageproj', '--set', set]);
    assert.equal(r.code, 2, set);
    const key = set.split('=')[0];
    assert.match(r.err, new RegExp(`--set ${key}: unknown hyperparameter '${key}' \\(did you mean ${near}\\?\\); accepted: .*adam_epsilon`));
    assert.equal(r.err.trim().split('\n').length, 1);
    assert.equal(r.out, '');
  }
});

test('values torch.optim refuses are usage errors before any run', async () => {
  for (const [set, message] of [['adam_beta2=1', /Invalid beta parameter at index 1: 1/], ['learning_rate=-1', /Invalid learning rate: -1/]] as const) {
    const r = await run(['--model', 'builtin:imageproj', '--set', set]);
    assert.equal(r.code, 2, set);
    assert.match(r.err, message);
    assert.equal(r.err.trim().split('\n').length, 1, r.err);
  }
});

test('a missing model or data file is one line on stderr, with no progress before it', async () => {
  for (const args of [['--model', '/nonexistent/model.json'], ['--model', 'builtin:imageproj', '--data', '/nonexistent/x.npy'], ['--model', 'builtin:no-such-model']]) {
    const r = await run(args);
    assert.equal(r.code, 2, args.join(' '));
    assert.equal(r.err.trim().split('\n').length, 1, r.err);
    assert.match(r.err, /^nan-doctor probe: (\/nonexistent\/(model\.json|x\.npy): cannot read the (model|data) \(no such file\)|.*no-such-model)/);
  }
});

test('an empty .npy is "no samples", exit 2, named as typed', async () => {
  // np.save('x0.npy', np.zeros((0, 512), np.float32)) by fixtures/generate/data.py
  const dir = join(process.cwd(), 'test', 'probe', 'fixtures', 'data', 'empty');
  for (const extra of [['--no-sweep'], []]) {
    const r = await run(['--model', 'builtin:imageproj', '--data', 'x0.npy', ...extra], dir);
    assert.equal(r.code, 2, r.err);
    assert.match(r.err, /^nan-doctor probe: no samples in x0\.npy/);
    assert.equal(r.err.trim().split('\n').length, 1, r.err);
  }
});

test('a default learning rate still gets its learning rate / 10 counterfactual', async () => {
  const r = await run(['--model', 'builtin:imageproj', '--iterations', '2', '--set', 'weight_dtype=fp16', '--set', 'adam_epsilon=1e-8']);
  const report = JSON.parse(r.out) as { hyperparameters: { learning_rate: number }; counterfactuals: { change: Record<string, unknown> }[] };
  assert.equal(report.hyperparameters.learning_rate, 1e-3);
  assert.ok(report.counterfactuals.some((c) => c.change.learning_rate === 1e-4), JSON.stringify(report.counterfactuals));
});

test('a model the worker cannot load exits 2 with the reason', async () => {
  const r = await run(['--model', 'builtin:no-such-model', '--no-sweep']);
  assert.equal(r.code, 2);
  assert.match(r.err, /^nan-doctor probe: unknown built-in model builtin:no-such-model/m);
});

test('the seed case from its config: exit 1 and the contract JSON', async () => {
  const root = join(process.cwd(), 'examples', 'hallo-stage1');
  const r = await run(['--model', 'builtin:imageproj', '--config', 'configs/train/stage1.yaml', '--iterations', '3', '--no-sweep'], root);
  assert.equal(r.code, 1, r.err);
  const report = JSON.parse(r.out);
  assert.equal(report.version, 1);
  assert.ok(['tensorflow', 'wasm', 'cpu'].includes(report.backend));
  assert.equal(report.iterations, 3);
  assert.ok(Array.isArray(report.layers) && report.layers.length > 0);
  assert.equal(report.firstNonFinite.iteration, 2);
  assert.equal(report.origin.iteration, 1);
  assert.deepEqual(report.counterfactuals, []);
  assert.equal(report.hyperparameters.adam_epsilon, 1e-8);
});

test('a finite run exits 0, and --format html --out writes the page', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'nan-doctor-probe-'));
  const out = join(dir, 'report.html');
  const r = await run(['--model', 'builtin:imageproj', '--iterations', '2', '--set', 'weight_dtype=fp32', '--set', 'learning_rate=1e-5', '--no-sweep', '--format', 'html', '--out', out]);
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out, '');
  const html = readFileSync(out, 'utf8');
  assert.match(html, /stayed finite/);
});

/** A float32 .npy file (format version 1.0), written the way numpy.save writes it. */
function writeNpy(path: string, shape: number[], values: number[]): void {
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  const unpadded = 10 + header.length + 1;
  header = header + ' '.repeat((64 - (unpadded % 64)) % 64) + '\n';
  const head = Buffer.alloc(10);
  head.write('\x93NUMPY', 0, 'latin1');
  head[6] = 1;
  head[7] = 0;
  head.writeUInt16LE(header.length, 8);
  writeFileSync(path, Buffer.concat([head, Buffer.from(header, 'latin1'), Buffer.from(new Float32Array(values).buffer)]));
}

test('the data case: NaN in the input batch is named as the origin, and no hyperparameter fix helps', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'nan-doctor-probe-'));
  const values = Array.from({ length: 2 * 512 }, (_, i) => Math.sin(i));
  values[519] = NaN;
  writeNpy(join(dir, 'x.npy'), [2, 512], values);
  const r = await run(['--model', 'builtin:imageproj', '--data', 'x.npy', '--set', 'weight_dtype=fp32', '--iterations', '2'], dir);
  assert.equal(r.code, 1, r.err);
  const report = JSON.parse(r.out);
  assert.deepEqual(report.origin, { iteration: 1, layer: 'input', phase: 'input' });
  assert.deepEqual(report.firstNonFinite, { iteration: 1, layer: 'input', phase: 'input' });
  assert.ok(report.counterfactuals.length >= 2);
  assert.ok(report.counterfactuals.every((c: { finite: boolean }) => !c.finite));
});

test('the built CLI runs probe with the worker beside it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nan-doctor-probe-'));
  writeFileSync(join(dir, 'nan-doctor.json'), '{}');
  const r = spawnSync(process.execPath, [join(process.cwd(), 'dist', 'cli.js'), 'probe', '--model', 'builtin:imageproj', '--iterations', '2', '--set', 'weight_dtype=fp16', '--set', 'adam_epsilon=1e-8', '--set', 'learning_rate=1e-5', '--no-sweep'], { cwd: dir, encoding: 'utf8' });
  assert.equal(r.status, 1, r.stderr);
  assert.equal(JSON.parse(r.stdout).firstNonFinite.iteration, 2);
});

test('an ONNX training step: --data .npz by input name, losses in the JSON, and one line naming the file when integer inputs are missing', async () => {
  const onnx = join(process.cwd(), 'test', 'probe', 'fixtures', 'onnx');
  const ok = await run(['--model', 'transformer.onnx', '--data', 'transformer.npz', '--iterations', '2', '--no-sweep'], onnx);
  assert.equal(ok.code, 0, ok.err);
  const report = JSON.parse(ok.out);
  assert.equal(report.losses.length, 2);
  assert.ok(report.losses.every((l: unknown) => typeof l === 'number'));
  assert.ok(report.layers.includes('/qkv/MatMul'));
  const missing = await run(['--model', 'transformer.onnx', '--no-sweep'], onnx);
  assert.equal(missing.code, 2);
  assert.equal(missing.err.trim().split('\n').length, 1, missing.err);
  assert.match(missing.err, /^nan-doctor probe: transformer\.onnx: the integer inputs ids, targets/);
});
