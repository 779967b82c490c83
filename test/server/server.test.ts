// The real language server process (dist/server.js --stdio) driven over JSON-RPC on a temp copy of
// the seed-case workspace: live diagnostics as the log grows, quick fixes, config edits, bad input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CancellationTokenSource } from 'vscode-jsonrpc/node';
import { copyExample, LspClient, uri, type Diagnostic, type Notification } from './lsp-client.ts';

const example = () => {
  const root = copyExample();
  const logPath = join(root, 'logs/train.log');
  const lines = readFileSync(logPath, 'utf8').split(/(?<=\n)/);
  const nanIndex = lines.findIndex((l) => l.includes('step_loss=nan'));
  assert.ok(nanIndex > 0, 'the example log has a NaN line');
  // The run as it was before the NaN: every line up to the one that prints it.
  writeFileSync(logPath, lines.slice(0, nanIndex).join(''));
  const configPath = join(root, 'configs/train/stage1.yaml');
  const config = readFileSync(configPath, 'utf8');
  const epsilonLine = config.split('\n').findIndex((l) => /^\s*adam_epsilon:/.test(l));
  return { root, logPath, nanLine: lines[nanIndex], nanLineNumber: nanIndex + 1, configPath, config, epsilonLine };
};

const has = (code: string) => (ds: Diagnostic[]) => ds.some((d) => d.code === code);

test('diagnostics land on the config, script and log lines when a finite log grows a NaN line', async () => {
  const ws = example();
  const client = await LspClient.start(ws.root);
  try {
    const status = client.notifications.find((n) => n.method === 'nanDoctor/status')!.params as { logs: string[] };
    assert.ok(status.logs.includes(ws.logPath), 'the log matching **/*.log is followed');
    assert.equal(client.diagnostics.get(uri(ws.configPath))?.length ?? 0, 0, 'nothing to say while the run is finite');

    const incident = client.waitFor((n) => n.method === 'nanDoctor/incident', { what: 'nanDoctor/incident' });
    appendFileSync(ws.logPath, ws.nanLine);
    const config = await client.diagnosticsFor(uri(ws.configPath), has('optimizer-epsilon'), 'the epsilon diagnostic');
    const eps = config.find((d) => d.code === 'optimizer-epsilon')!;
    assert.equal(eps.range.start.line, ws.epsilonLine);
    assert.equal(eps.source, 'NaN Doctor');
    const valueStart = ws.config.split('\n')[ws.epsilonLine].indexOf('1.0e-8');
    assert.ok(eps.range.start.character <= valueStart && eps.range.end.character >= valueStart + '1.0e-8'.length, 'the range covers the value');
    assert.ok(eps.relatedInformation?.some((r) => r.location.uri === uri(ws.logPath)), 'related information points at the log');

    const log = await client.diagnosticsFor(uri(ws.logPath), has('first-nonfinite'), 'the first-nonfinite diagnostic');
    assert.equal(log.find((d) => d.code === 'first-nonfinite')!.range.start.line, ws.nanLineNumber - 1);

    const i = (await incident).params as { line: number; step: number | null; metric: string | null; value: string };
    assert.deepEqual([i.line, i.step, i.metric, i.value], [ws.nanLineNumber, 2, 'step_loss', 'nan']);
  } finally {
    await client.stop();
    rmSync(ws.root, { recursive: true, force: true });
  }
});

test('quick fixes come back as workspace edits, and an edit that raises epsilon clears its diagnostic', async () => {
  const ws = example();
  appendFileSync(ws.logPath, ws.nanLine); // the run already went NaN when the editor opens
  const client = await LspClient.start(ws.root);
  try {
    const configUri = uri(ws.configPath);
    const eps = (await client.diagnosticsFor(configUri, has('optimizer-epsilon'), 'the epsilon diagnostic')).find((d) => d.code === 'optimizer-epsilon')!;
    await client.connection.sendNotification('textDocument/didOpen', { textDocument: { uri: configUri, languageId: 'yaml', version: 1, text: ws.config } });
    const actions = (await client.connection.sendRequest('textDocument/codeAction', {
      textDocument: { uri: configUri },
      range: eps.range,
      context: { diagnostics: [eps], only: ['quickfix'] },
    })) as { title: string; kind: string; isPreferred?: boolean; edit: { changes: Record<string, { range: Diagnostic['range']; newText: string }[]> } }[];
    assert.ok(actions.length > 0, 'the epsilon diagnostic has a quick fix');
    const fix = actions[0];
    assert.equal(fix.kind, 'quickfix');
    assert.equal(fix.isPreferred, true);
    const edits = fix.edit.changes[configUri];
    assert.ok(edits?.length, 'the fix edits the config');
    const edit = edits[0];
    assert.equal(edit.range.start.line, ws.epsilonLine);
    assert.ok(Number(edit.newText) >= 1e-7, `the new epsilon ${edit.newText} survives fp16`);

    // Apply the edit the way the editor would, without saving: the server reads the open document.
    const lines = ws.config.split('\n');
    const line = lines[edit.range.start.line];
    lines[edit.range.start.line] = line.slice(0, edit.range.start.character) + edit.newText + line.slice(edit.range.end.character);
    await client.connection.sendNotification('textDocument/didChange', {
      textDocument: { uri: configUri, version: 2 },
      contentChanges: [{ text: lines.join('\n') }],
    });
    const after = await client.diagnosticsFor(configUri, (ds) => !has('optimizer-epsilon')(ds), 'the epsilon diagnostic to clear');
    assert.ok(!after.some((d) => d.code === 'optimizer-epsilon'));
    assert.equal(readFileSync(ws.configPath, 'utf8'), ws.config, 'the server never writes the file');
  } finally {
    await client.stop();
    rmSync(ws.root, { recursive: true, force: true });
  }
});

test('malformed YAML and a binary log are reported, and the server goes on', async () => {
  const ws = example();
  appendFileSync(ws.logPath, ws.nanLine);
  const garbage = Buffer.alloc(64 * 1024);
  for (let i = 0; i < garbage.length; i++) garbage[i] = (i * 2654435761) >>> 24; // bytes of every value, NULs included
  writeFileSync(join(ws.root, 'logs/garbage.log'), garbage);
  const client = await LspClient.start(ws.root);
  try {
    assert.ok(client.logMessages().some((m) => m.includes('garbage.log')), `the binary log is reported: ${client.logMessages().join(' | ')}`);
    const configUri = uri(ws.configPath);
    await client.diagnosticsFor(configUri, has('optimizer-epsilon'), 'the epsilon diagnostic');
    await client.connection.sendNotification('textDocument/didOpen', { textDocument: { uri: configUri, languageId: 'yaml', version: 1, text: ws.config } });
    const reported = client.waitFor((n) => n.method === 'window/logMessage' && (n.params as { message: string }).message.includes('stage1.yaml'), { what: 'the YAML error' });
    await client.connection.sendNotification('textDocument/didChange', {
      textDocument: { uri: configUri, version: 2 },
      contentChanges: [{ text: 'solver:\n  adam_epsilon: [1.0e-8\n  learning_rate: : :\n\t- {\n' }],
    });
    await reported;
    // Malformed custom messages are logged, never fatal.
    const refused = client.waitFor((n) => n.method === 'window/logMessage' && /watchLog needs a path/.test((n.params as { message: string }).message), { what: 'the refused watchLog' });
    await client.connection.sendNotification('nanDoctor/watchLog', {});
    await client.connection.sendNotification('nanDoctor/terminalData', { id: 'never-started', data: 'loss=nan\n' });
    await client.connection.sendNotification('nanDoctor/terminalStarted', { id: 7 });
    await refused;
    // A huge line with no newline in a new log does not stop anything either.
    appendFileSync(join(ws.root, 'logs/huge.log'), 'x'.repeat(4 * 1024 * 1024));
    await client.connection.sendNotification('textDocument/didChange', { textDocument: { uri: configUri, version: 3 }, contentChanges: [{ text: ws.config }] });
    const back = await client.diagnosticsFor(configUri, has('optimizer-epsilon'), 'the epsilon diagnostic back after the YAML is fixed');
    assert.equal(back.find((d) => d.code === 'optimizer-epsilon')!.range.start.line, ws.epsilonLine);
    assert.equal(client.exited, null, 'the server is still running');
  } finally {
    await client.stop();
    rmSync(ws.root, { recursive: true, force: true });
  }
});

test('terminal output forwarded by the client goes through the analyzer, and Diagnose NaN reports progress', async () => {
  const ws = example();
  const client = await LspClient.start(ws.root);
  try {
    const id = 'term-1';
    const incident = client.waitFor((n) => n.method === 'nanDoctor/incident', { what: 'nanDoctor/incident' });
    await client.connection.sendNotification('nanDoctor/terminalStarted', { id, commandLine: 'python scripts/train_stage1.py --config configs/train/stage1.yaml', cwd: ws.root });
    const log = readFileSync(ws.logPath, 'utf8') + ws.nanLine;
    // Arbitrary chunk boundaries, the way a terminal stream splits output.
    for (let i = 0; i < log.length; i += 777) await client.connection.sendNotification('nanDoctor/terminalData', { id, data: log.slice(i, i + 777) });
    const i = (await incident).params as { log: string | null; step: number | null; run: string };
    assert.equal(i.log, null);
    assert.equal(i.step, 2);
    assert.match(i.run, /train_stage1\.py/);
    await client.diagnosticsFor(uri(ws.configPath), has('optimizer-epsilon'), 'the epsilon diagnostic from terminal output');
    await client.connection.sendNotification('nanDoctor/terminalEnded', { id, exitCode: 1 });

    const token = 'diagnose-1';
    const progress: Notification[] = [];
    const ended = client.waitFor((n) => n.method === '$/progress' && (n.params as { token: string; value: { kind: string } }).token === token && (n.params as { value: { kind: string } }).value.kind === 'end', { what: 'progress end' });
    const result = (await client.connection.sendRequest('nanDoctor/diagnose', { workDoneToken: token })) as { runs: { incident: unknown }[]; diagnostics: { code: string; file: string }[]; notes: string[]; root: string };
    await ended;
    progress.push(...client.notifications.filter((n) => n.method === '$/progress' && (n.params as { token: string }).token === token));
    assert.equal((progress[0].params as { value: { kind: string; title: string } }).value.title, 'Diagnose NaN');
    assert.equal(result.runs.length, 1);
    assert.ok(result.runs[0].incident);
    assert.ok(result.diagnostics.some((d) => d.code === 'optimizer-epsilon' && d.file === 'configs/train/stage1.yaml'));
    assert.equal(result.root, ws.root);
  } finally {
    await client.stop();
    rmSync(ws.root, { recursive: true, force: true });
  }
});

test('Diagnose NaN runs the probe: a cancelled probe stops, a full one verifies the epsilon fix and serves the report', async () => {
  const ws = example();
  appendFileSync(ws.logPath, ws.nanLine);
  const client = await LspClient.start(ws.root, { probe: { iterations: 2 } }); // the seed case goes NaN at iteration 2
  try {
    await client.diagnosticsFor(uri(ws.configPath), has('optimizer-epsilon'), 'the epsilon diagnostic');
    const probing = client.waitFor((n) => n.method === '$/progress' && (n.params as { token: string }).token === 'cancelled' && /probe|iteration/i.test((n.params as { value: { message?: string } }).value.message ?? ''), { what: 'probe progress' });
    const source = new CancellationTokenSource();
    const cancelled = client.connection.sendRequest('nanDoctor/diagnose', { workDoneToken: 'cancelled', probe: true }, source.token) as Promise<{ notes: string[]; probe: unknown }>;
    await probing;
    source.cancel();
    const stopped = await cancelled;
    assert.ok(stopped.notes.includes('Cancelled.'), `notes: ${stopped.notes.join(' | ')}`);
    assert.equal(stopped.probe, null);
    assert.deepEqual(await client.connection.sendRequest('nanDoctor/lastReport'), { report: null, html: null });

    const result = (await client.connection.sendRequest('nanDoctor/diagnose', { probe: true })) as { diagnostics: { code: string; verified: boolean }[]; probe: { firstNonFinite: unknown } | null; notes: string[] };
    assert.ok(result.probe, `a probe report: ${result.notes.join(' | ')}`);
    assert.ok(result.probe.firstNonFinite, 'the probe reproduces the NaN');
    assert.equal(result.diagnostics.find((d) => d.code === 'optimizer-epsilon')?.verified, true);
    const verified = await client.diagnosticsFor(uri(ws.configPath), (ds) => ds.some((d) => d.code === 'optimizer-epsilon' && d.message.includes('verified')), 'the verified epsilon diagnostic');
    assert.ok(verified.length > 0);
    const report = (await client.connection.sendRequest('nanDoctor/lastReport')) as { report: unknown; html: string | null };
    assert.ok(report.report);
    assert.match(report.html ?? '', /<html/i);
  } finally {
    await client.stop();
    rmSync(ws.root, { recursive: true, force: true });
  }
});

test('in an untrusted workspace a JS-module probe model is refused with a reason, and diagnostics still work', async () => {
  const ws = example();
  appendFileSync(ws.logPath, ws.nanLine);
  writeFileSync(join(ws.root, 'model.js'), 'throw new Error("workspace code must not run");\n');
  const client = await LspClient.start(ws.root, { probe: { model: 'model.js' } }, false);
  try {
    await client.diagnosticsFor(uri(ws.configPath), has('optimizer-epsilon'), 'the epsilon diagnostic');
    const result = (await client.connection.sendRequest('nanDoctor/diagnose', { probe: true })) as { probe: unknown; notes: string[]; diagnostics: unknown[] };
    assert.equal(result.probe, null);
    assert.ok(result.notes.some((n) => /trusted/.test(n)), `notes: ${result.notes.join(' | ')}`);
    assert.ok(result.diagnostics.length > 0);
  } finally {
    await client.stop();
    rmSync(ws.root, { recursive: true, force: true });
  }
});

test('in an untrusted workspace an ONNX probe model is data: it is probed, not refused', async () => {
  const ws = example();
  appendFileSync(ws.logPath, ws.nanLine);
  copyFileSync(join(__dirname, '../probe/fixtures/onnx/mlp.onnx'), join(ws.root, 'step.onnx'));
  const client = await LspClient.start(ws.root, { probe: { model: 'step.onnx', iterations: 2 } }, false);
  try {
    await client.diagnosticsFor(uri(ws.configPath), has('optimizer-epsilon'), 'the epsilon diagnostic');
    const result = (await client.connection.sendRequest('nanDoctor/diagnose', { probe: true })) as { probe: { model: string; losses: unknown[] } | null; notes: string[] };
    assert.ok(result.probe, `notes: ${result.notes.join(' | ')}`);
    assert.match(result.probe.model, /step\.onnx$/);
    assert.equal(result.probe.losses.length >= 1, true);
    assert.ok(!result.notes.some((n) => /trusted/.test(n)), `notes: ${result.notes.join(' | ')}`);
  } finally {
    await client.stop();
    rmSync(ws.root, { recursive: true, force: true });
  }
});

test('a log that appears in a new folder is followed, and settings from the client decide which logs are', async () => {
  const ws = example();
  rmSync(ws.logPath);
  const client = await LspClient.start(ws.root);
  try {
    mkdirSync(join(ws.root, 'outputs/exp2'), { recursive: true });
    const newLog = join(ws.root, 'outputs/exp2/train.log');
    writeFileSync(newLog, readFileSync(join(__dirname, '../../examples/hallo-stage1/logs/train.log')));
    await client.diagnosticsFor(uri(ws.configPath), has('optimizer-epsilon'), 'the epsilon diagnostic from the new log');
    await client.diagnosticsFor(uri(newLog), has('first-nonfinite'), 'the first-nonfinite diagnostic on the new log');

    const mark = client.notifications.length;
    client.settings = { logGlobs: ['**/slurm-*.out'] };
    await client.connection.sendNotification('workspace/didChangeConfiguration', { settings: null });
    await client.diagnosticsFor(uri(ws.configPath), (ds) => ds.length === 0, 'the diagnostics to clear once the log is no longer followed');
    const status = await client.waitFor((n) => n.method === 'nanDoctor/status' && (n.params as { logs: string[] }).logs.length === 0, { since: mark, what: 'a status with no logs' });
    assert.deepEqual((status.params as { logs: string[] }).logs, []);
  } finally {
    await client.stop();
    rmSync(ws.root, { recursive: true, force: true });
  }
});

test("NaN Doctor's own command in a terminal is not read as training output", async () => {
  const ws = example();
  const client = await LspClient.start(ws.root);
  try {
    const incident = client.waitFor((n) => n.method === 'nanDoctor/incident', { what: 'nanDoctor/incident' });
    const report = '  logs/train.log:30:1: error: First non-finite value: step_loss is nan at step 2 [first-nonfinite]\nSteps: 2/30000 [00:11, step_loss=nan]\n';
    await client.connection.sendNotification('nanDoctor/terminalStarted', { id: 'own', commandLine: 'npx nan-doctor diagnose .', cwd: ws.root });
    await client.connection.sendNotification('nanDoctor/terminalData', { id: 'own', data: report });
    await client.connection.sendNotification('nanDoctor/terminalEnded', { id: 'own', exitCode: 1 });
    // The same text from a training command is an incident; notifications keep their order, so it comes first only if the first was ignored.
    await client.connection.sendNotification('nanDoctor/terminalStarted', { id: 'train', commandLine: 'python scripts/train_stage1.py', cwd: ws.root });
    await client.connection.sendNotification('nanDoctor/terminalData', { id: 'train', data: readFileSync(ws.logPath, 'utf8') + ws.nanLine });
    const first = (await incident).params as { run: string };
    assert.match(first.run, /train_stage1\.py/);
  } finally {
    await client.stop();
    rmSync(ws.root, { recursive: true, force: true });
  }
});

test('plain LSP editors get the diagnosis through workspace/executeCommand, with progress the server creates', async () => {
  const ws = example();
  appendFileSync(ws.logPath, ws.nanLine);
  const client = await LspClient.start(ws.root, { probe: { enabled: false } });
  try {
    await client.diagnosticsFor(uri(ws.configPath), has('optimizer-epsilon'), 'the epsilon diagnostic');
    const created = client.waitFor((n) => n.method === 'window/workDoneProgress/create', { what: 'a progress token' });
    const result = (await client.connection.sendRequest('workspace/executeCommand', { command: 'nanDoctor.server.diagnose', arguments: [] })) as { diagnostics: { code: string }[]; notes: string[]; probe: unknown };
    const token = ((await created).params as { token: string }).token;
    await client.waitFor((n) => n.method === '$/progress' && (n.params as { token: string; value: { kind: string } }).token === token && (n.params as { value: { kind: string } }).value.kind === 'end', { past: true, what: 'the end of that progress' });
    assert.ok(result.diagnostics.some((d) => d.code === 'optimizer-epsilon'));
    assert.equal(result.probe, null);
    assert.ok(result.notes.some((n) => /turned off/.test(n)), `notes: ${result.notes.join(' | ')}`);
  } finally {
    await client.stop();
    rmSync(ws.root, { recursive: true, force: true });
  }
});

test('workspace folders added and removed while running are followed and forgotten', async () => {
  const a = example();
  const b = example();
  appendFileSync(b.logPath, b.nanLine);
  const client = await LspClient.start(a.root);
  try {
    const folder = { uri: uri(b.root), name: 'b' };
    await client.connection.sendNotification('workspace/didChangeWorkspaceFolders', { event: { added: [folder], removed: [] } });
    await client.diagnosticsFor(uri(b.configPath), has('optimizer-epsilon'), 'the added folder’s diagnostics');
    await client.connection.sendNotification('workspace/didChangeWorkspaceFolders', { event: { added: [], removed: [folder] } });
    await client.diagnosticsFor(uri(b.configPath), (ds) => ds.length === 0, 'the removed folder’s diagnostics to clear');
    assert.equal(client.diagnostics.get(uri(a.configPath))?.length ?? 0, 0, 'the finite folder has none');
  } finally {
    await client.stop();
    rmSync(a.root, { recursive: true, force: true });
    rmSync(b.root, { recursive: true, force: true });
  }
});
