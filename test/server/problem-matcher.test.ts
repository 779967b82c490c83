// The `$nan-doctor` problem pattern in package.json against the CLI's real text output: every
// diagnostic of the JSON output (but hints, which VS Code problem matchers cannot express) is matched
// with its file, line, column, severity and code, and nothing else in the output is.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { copyExample, repo } from './lsp-client.ts';

interface Pattern {
  regexp: string;
  file: number;
  line: number;
  column: number;
  severity: number;
  message: number;
  code: number;
}

const manifest = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8'));
const pattern: Pattern = manifest.contributes.problemPatterns.find((p: { name: string }) => p.name === 'nan-doctor');

test('the $nan-doctor problem matcher reads every diagnostic of `nan-doctor diagnose` text output', () => {
  const matcher = manifest.contributes.problemMatchers.find((m: { name: string }) => m.name === 'nan-doctor');
  assert.equal(matcher.pattern, '$nan-doctor');
  const root = copyExample();
  try {
    const cli = join(repo, 'dist/cli.js');
    const text = spawnSync(process.execPath, [cli, 'diagnose', root], { encoding: 'utf8' });
    const json = spawnSync(process.execPath, [cli, 'diagnose', root, '--format', 'json'], { encoding: 'utf8' });
    assert.equal(text.status, 1, text.stderr);
    const expected = (JSON.parse(json.stdout).diagnostics as { file: string; range: { start: { line: number; character: number } }; severity: string; code: string }[])
      .filter((d) => d.severity !== 'hint')
      .map((d) => `${d.file}|${d.range.start.line + 1}|${d.range.start.character + 1}|${d.severity === 'information' ? 'info' : d.severity}|${d.code}`);
    assert.ok(expected.length >= 3, 'the seed case has several diagnostics');
    const re = new RegExp(pattern.regexp);
    const matched = text.stdout
      .split('\n')
      .map((l) => re.exec(l))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => `${m[pattern.file]}|${m[pattern.line]}|${m[pattern.column]}|${m[pattern.severity]}|${m[pattern.code]}`);
    assert.deepEqual([...matched].sort(), [...expected].sort());
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
