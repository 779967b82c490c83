// One orchestration: the language server and `nan-doctor diagnose` give the same findings for the same folder
// (same files, lines, codes and severities), on the seed example and on a corpus project with a launch script.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { diagnose } from '../../src/engine/diagnose';
import { LspClient, repo, uri, type Diagnostic } from './lsp-client';

const SEVERITY = { error: 1, warning: 2, information: 3, hint: 4 } as const;

async function sameFindings(source: string): Promise<void> {
  const root = join(mkdtempSync(join(tmpdir(), 'nd-same-findings-')), 'w');
  cpSync(source, root, { recursive: true, filter: (p) => !p.endsWith('expected.json') });
  const cli = await diagnose({ root });
  assert.ok(cli.diagnostics.length > 1, 'the folder has findings');
  const byFile = new Map<string, string[]>();
  for (const d of cli.diagnostics) (byFile.get(d.file) ?? byFile.set(d.file, []).get(d.file)!).push(`${d.range.start.line}|${d.code}|${SEVERITY[d.severity]}`);
  const client = await LspClient.start(root);
  try {
    for (const [file, wanted] of byFile) {
      const want = wanted.sort().join('\n');
      const key = (ds: Diagnostic[]) => ds.map((d) => `${d.range.start.line}|${d.code}|${d.severity}`).sort().join('\n');
      await client.diagnosticsFor(uri(join(root, file)), (ds) => key(ds) === want, `${file}: the CLI's findings\n${want}\ngot ${key(client.diagnostics.get(uri(join(root, file))) ?? [])}`);
    }
  } finally {
    await client.stop();
    rmSync(root, { recursive: true, force: true });
  }
}

test('the seed example: the server publishes what nan-doctor diagnose prints', () => sameFindings(join(repo, 'examples/hallo-stage1')));

test('a corpus project launched through a shell script: the server publishes what nan-doctor diagnose prints', () =>
  sameFindings(join(repo, 'test/config/corpus/open-mmlab-mmrotate-888')));
