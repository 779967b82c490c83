// Quick fixes from the real server process right after an edit: never an edit computed for an older version.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, rmSync } from 'node:fs';
import { LspClient, uri, type Diagnostic } from './lsp-client.ts';
import { seedWorkspace } from './seed-workspace.ts';

interface VersionedAction {
  title: string;
  edit: { documentChanges?: { textDocument: { uri: string; version: number | null }; edits: { range: Diagnostic['range']; newText: string }[] }[]; changes?: unknown };
}

test('code actions asked at once after lines are inserted above target the new line, with the document version', async () => {
  const ws = seedWorkspace();
  appendFileSync(ws.logPath, ws.nanLine);
  const client = await LspClient.start(ws.root, {}, true, { versionedEdits: true });
  const configUri = uri(ws.configPath);
  try {
    await client.connection.sendNotification('textDocument/didOpen', { textDocument: { uri: configUri, languageId: 'yaml', version: 1, text: ws.config } });
    const eps = (await client.diagnosticsFor(configUri, has('optimizer-epsilon'), 'the epsilon diagnostic')).find((d) => d.code === 'optimizer-epsilon')!;
    assert.equal(eps.range.start.line, ws.epsilonLine);
    await client.connection.sendNotification('textDocument/didChange', {
      textDocument: { uri: configUri, version: 2 },
      contentChanges: [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, text: '# a\n# b\n' }],
    });
    // Asked before any new diagnostics arrive, with the diagnostic the editor still shows.
    const actions = (await client.connection.sendRequest('textDocument/codeAction', {
      textDocument: { uri: configUri },
      range: eps.range,
      context: { diagnostics: [eps], only: ['quickfix'] },
    })) as VersionedAction[];
    assert.ok(actions.length > 0, 'the epsilon fix is offered for the current text');
    for (const action of actions) {
      assert.equal(action.edit.changes, undefined, 'versioned edits only');
      const mine = action.edit.documentChanges?.find((c) => c.textDocument.uri === configUri);
      assert.ok(mine, `${action.title} edits the config`);
      assert.equal(mine.textDocument.version, 2, 'computed for the version the editor has');
    }
    const edit = actions[0].edit.documentChanges!.find((c) => c.textDocument.uri === configUri)!.edits[0];
    assert.equal(edit.range.start.line, ws.epsilonLine + 2, 'the edit follows the inserted lines');
    assert.ok(Number(edit.newText) >= 1e-7);
  } finally {
    await client.stop();
    rmSync(ws.root, { recursive: true, force: true });
  }
});

const has = (code: string) => (ds: Diagnostic[]) => ds.some((d) => d.code === code);
