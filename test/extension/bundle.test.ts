// The extension bundle stays a thin client: it shares the message types with the server, never the server's code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as esbuild from 'esbuild';

test('the extension bundle holds the shared messages and no server, probe or CLI code', async () => {
  const r = await esbuild.build({ entryPoints: ['src/extension/main.ts'], bundle: true, platform: 'node', format: 'cjs', external: ['vscode'], write: false, metafile: true, logLevel: 'silent' });
  const inputs = Object.keys(r.metafile.inputs);
  assert.ok(inputs.includes('src/protocol/messages.ts'), 'the client imports the typed messages');
  const forbidden = inputs.filter((f) => /^src\/(server|probe|cli)\//.test(f) || /node_modules\/(vscode-languageserver|@tensorflow|web-tree-sitter)\//.test(f));
  assert.deepEqual(forbidden, []);
});
