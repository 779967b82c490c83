// One definition of training output: the names, the folders never searched, and the sniffing of first bytes,
// shared by `nan-doctor diagnose`, the language server and package.json's settings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { defaultExclude, defaultLogGlobs, isTrainingOutput, sniffTrainingOutput } from '../../src/engine/output/training-output';
import { discover } from '../../src/engine/discovery';
import { LspClient, repo, type Notification } from '../server/lsp-client.ts';

test("package.json's nanDoctor.logGlobs and nanDoctor.exclude defaults are the engine's", () => {
  const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8'));
  const props = pkg.contributes.configuration.properties;
  assert.deepEqual(props['nanDoctor.logGlobs'].default, defaultLogGlobs);
  assert.deepEqual(props['nanDoctor.exclude'].default, defaultExclude);
});

test('training output by name: logs, SLURM and nohup output, structured files; not datasets, configs or dependencies', () => {
  for (const p of ['train.log', 'out/slurm-1234.out', 'nohup.out', 'slurm-1.err', 'output/log.txt', 'work/train_log.txt', 'metrics.jsonl', 'lightning_logs/version_0/metrics.csv', 'output/metrics.json', 'out/checkpoint-30/trainer_state.json', 'runs/events.out.tfevents.1.host.1.0', 'mlruns/0/abc/metrics/train/loss']) {
    assert.equal(isTrainingOutput(p), true, p);
  }
  for (const p of ['data/train.jsonl', 'datasets/a/b.jsonl', 'train.py', 'config.yaml', 'catalog.txt', 'node_modules/x/debug.log', '.venv/lib/x.log', '.git/logs/HEAD.log', 'mlruns/0/abc/params/lr']) {
    assert.equal(isTrainingOutput(p), false, p);
  }
});

test('sniffing: structured formats by their bytes, UTF-16 with a BOM is text, binary and BOM-less UTF-16 are refused with the reason', () => {
  assert.deepEqual(sniffTrainingOutput('train.log', Buffer.from('step 1 loss=0.5\n')), { kind: 'text' });
  assert.deepEqual(sniffTrainingOutput('train.log', Buffer.from([0xff, 0xfe, 0x73, 0x00])), { kind: 'utf-16' });
  assert.equal(sniffTrainingOutput('x/trainer_state.json', Buffer.from('{"log_history": []}')).kind, 'structured');
  assert.match((sniffTrainingOutput('a.log', Buffer.from([1, 2, 0, 3])) as { reason: string }).reason, /binary/);
  assert.match((sniffTrainingOutput('a.log', Buffer.from('s\0t\0e\0p\0 \x001\0\n\0', 'latin1')) as { reason: string }).reason, /UTF-16 text without a byte-order mark/);
});

test('nan-doctor diagnose and the language server list the same training-output files for the same folder', async () => {
  const root = mkdtempSync(join(tmpdir(), 'nd-same-logs-'));
  const files = [
    'logs/train.log', 'slurm-42.out', 'nohup.out', 'output/log.txt', 'output/metrics.json', 'out/run_log.txt', 'metrics.jsonl',
    'lightning_logs/version_0/metrics.csv', 'runs/checkpoint-10/trainer_state.json', 'mlruns/0/r1/metrics/loss',
    // not training output
    'data/train.jsonl', 'node_modules/pkg/debug.log', '.venv/lib/pip.log', 'configs/a.yaml', 'train.py', 'notes.txt',
  ];
  for (const f of files) {
    mkdirSync(dirname(join(root, f)), { recursive: true });
    writeFileSync(join(root, f), f.endsWith('.json') ? '{"log_history": []}\n' : f.endsWith('.csv') ? 'epoch,step,train_loss\n0,1,0.5\n' : f.includes('mlruns') ? '1700000000000 0.5 1\n' : 'step 1 loss=0.5\n');
  }
  const client = await LspClient.start(root);
  try {
    const ready = await client.waitFor((n: Notification) => n.method === 'nanDoctor/status' && (n.params as { ready: boolean }).ready, { past: true, what: 'the first walk' });
    const byServer = (ready.params as { logs: string[] }).logs.map((abs) => abs.slice(root.length + 1)).sort();
    const byCli = (await discover(root)).logs.sort();
    assert.deepEqual(byServer, byCli);
    assert.deepEqual(byCli, files.slice(0, 10).sort());
  } finally {
    await client.stop();
    rmSync(root, { recursive: true, force: true });
  }
});
