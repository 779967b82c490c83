// The real server process following a workspace as training scripts really treat it: logs truncated and
// re-written, output directories deleted and re-created, configs changed outside the editor, huge data folders.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LspClient, uri, type Diagnostic, type Notification } from './lsp-client.ts';
import { defaultSettings } from '../../src/server/settings.ts';
import { seedWorkspace } from './seed-workspace.ts';

interface Status {
  logs: string[];
  incidents: { run: string; line: number }[];
}
const status = (n: Notification) => (n.method === 'nanDoctor/status' ? (n.params as Status) : null);
const has = (code: string) => (ds: Diagnostic[]) => ds.some((d) => d.code === code);

test('a truncated log drops its incident from the status, and the NaN coming back is announced once again', async () => {
  const ws = seedWorkspace();
  appendFileSync(ws.logPath, ws.nanLine);
  const client = await LspClient.start(ws.root);
  try {
    await client.waitFor((n) => (status(n)?.incidents.length ?? 0) === 1, { past: true, what: 'a status with the incident' });
    const mark = client.notifications.length;
    writeFileSync(ws.logPath, ws.finite); // the run restarted: the log is rewritten without the NaN line
    await client.diagnosticsFor(uri(ws.configPath), (ds) => ds.length === 0, 'the config diagnostics to clear');
    const cleared = await client.waitFor((n) => status(n)?.incidents.length === 0, { since: mark, what: 'a status without the incident' });
    assert.deepEqual(status(cleared)!.logs, [ws.logPath]);

    const again = client.notifications.length;
    appendFileSync(ws.logPath, ws.nanLine);
    const incident = await client.waitFor((n) => n.method === 'nanDoctor/incident', { since: again, what: 'the NaN announced again' });
    assert.equal((incident.params as { line: number }).line, ws.nanLineNumber);
    const back = await client.waitFor((n) => (status(n)?.incidents.length ?? 0) > 0, { since: again, what: 'a status with the incident again' });
    assert.deepEqual(
      status(back)!.incidents.map((i) => `${i.run}:${i.line}`),
      [`logs/train.log:${ws.nanLineNumber}`],
      'one entry for the run, not one per reset',
    );
  } finally {
    await client.stop();
    rmSync(ws.root, { recursive: true, force: true });
  }
});

test('logs in an output directory deleted and re-created (rm -rf out && python train.py) are followed', async () => {
  const ws = seedWorkspace();
  const client = await LspClient.start(ws.root);
  const followed = (abs: string) => client.waitFor((n) => status(n)?.logs.includes(abs) ?? false, { past: true, what: `${abs} followed` });
  try {
    const out = join(ws.root, 'outputs');
    mkdirSync(out);
    await followed(ws.logPath); // the first status, so the directory's event is not the only thing in flight
    const a = join(out, 'a.log');
    writeFileSync(a, 'step 1 loss=1.0\n');
    await followed(a);

    rmSync(out, { recursive: true });
    mkdirSync(out);
    // One watcher stream, in order: once this log at the root is followed, the server has seen the directory come back.
    const marker = join(ws.root, 'marker.log');
    writeFileSync(marker, 'step 1 loss=1.0\n');
    await followed(marker);
    const b = join(out, 'b.log');
    writeFileSync(b, 'step 1 loss=1.0\n');
    await followed(b);
    mkdirSync(join(out, 'run2'));
    const c = join(out, 'run2/c.log');
    writeFileSync(c, 'step 1 loss=1.0\n');
    await followed(c);
  } finally {
    await client.stop();
    rmSync(ws.root, { recursive: true, force: true });
  }
});

test('a config changed on disk outside the editor (a write, then a rename the way vim and sed -i save) is read again', async () => {
  const ws = seedWorkspace();
  appendFileSync(ws.logPath, ws.nanLine);
  const client = await LspClient.start(ws.root);
  const configUri = uri(ws.configPath);
  try {
    await client.diagnosticsFor(configUri, has('optimizer-epsilon'), 'the epsilon diagnostic');
    assert.ok(ws.config.includes('1.0e-8'));
    writeFileSync(ws.configPath, ws.config.replace('1.0e-8', '1.0e-6'));
    const fixed = await client.diagnosticsFor(configUri, (ds) => ds.length > 0 && !has('optimizer-epsilon')(ds), 'the epsilon diagnostic to clear');
    assert.ok(fixed.length > 0, 'the other findings stay');

    const saved = join(ws.root, 'configs/train/.stage1.yaml.swp');
    writeFileSync(saved, ws.config);
    renameSync(saved, ws.configPath);
    const back = await client.diagnosticsFor(configUri, has('optimizer-epsilon'), 'the epsilon diagnostic back after the rename');
    assert.equal(back.find((d) => d.code === 'optimizer-epsilon')!.range.start.line, ws.epsilonLine);
  } finally {
    await client.stop();
    rmSync(ws.root, { recursive: true, force: true });
  }
});

test('a data folder over the directory budget is reported once, naming the settings that narrow the search', async () => {
  const ws = seedWorkspace();
  for (let i = 0; i < 2100; i++) mkdirSync(join(ws.root, 'data', `shard-${String(i).padStart(4, '0')}`), { recursive: true });
  const late = join(ws.root, 'zruns/exp1/train.log');
  mkdirSync(join(ws.root, 'zruns/exp1'), { recursive: true });
  writeFileSync(late, 'step 1 loss=1.0\n');
  const client = await LspClient.start(ws.root);
  const budget = (n: Notification) => n.method === 'window/logMessage' && /2000 directories/.test((n.params as { message: string }).message);
  try {
    const warning = ((await client.waitFor(budget, { past: true, what: 'the budget warning' })).params as { message: string }).message;
    assert.match(warning, /nanDoctor\.exclude/);
    assert.match(warning, /nanDoctor\.logGlobs/);
    assert.ok(!client.notifications.some((n) => status(n)?.logs.includes(late)), 'the log beyond the budget is not followed');

    client.settings = { exclude: [...defaultSettings.exclude, '**/data/**'] };
    await client.connection.sendNotification('workspace/didChangeConfiguration', { settings: null });
    await client.waitFor((n) => status(n)?.logs.includes(late) ?? false, { past: true, what: 'the late log followed once data/ is excluded' });
    assert.equal(client.notifications.filter(budget).length, 1, 'warned once');
  } finally {
    await client.stop();
    rmSync(ws.root, { recursive: true, force: true });
  }
});
