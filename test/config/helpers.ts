// Shared by the locator tests: read a fixture, find a value, and cut a range back out of the text.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LocatedFile, LocatedValue, Range, ScriptFact } from '../../src/engine/types';

export const fixtures = join(__dirname, 'fixtures');

export function fixture(rel: string): string {
  return readFileSync(join(fixtures, rel), 'utf8');
}

/** The text a 0-based LSP range covers. */
export function slice(text: string, range: Range): string {
  const lines = text.split('\n');
  if (range.start.line === range.end.line) return lines[range.start.line].slice(range.start.character, range.end.character);
  const parts = [lines[range.start.line].slice(range.start.character)];
  for (let l = range.start.line + 1; l < range.end.line; l++) parts.push(lines[l]);
  parts.push(lines[range.end.line].slice(0, range.end.character));
  return parts.join('\n');
}

export function value(file: LocatedFile, keyPath: string): LocatedValue {
  const found = file.values.filter((v) => v.keyPath === keyPath);
  assert.equal(found.length, 1, `expected one value at ${keyPath}, found ${found.length} in [${file.values.map((v) => v.keyPath).join(', ')}]`);
  return found[0];
}

/** Asserts the value's range covers exactly `text` on 0-based `line`, and that `text` is what it reports. */
export function assertAt(source: string, v: LocatedValue, text: string, line: number): void {
  assert.equal(v.text, text);
  assert.equal(slice(source, v.range), text);
  assert.equal(v.range.start.line, line, `${v.keyPath} on line ${v.range.start.line + 1}, expected ${line + 1}`);
}

export function facts(file: LocatedFile, kind: ScriptFact['kind']): ScriptFact[] {
  return file.facts.filter((f) => f.kind === kind);
}

/** 0-based line of the first line containing `needle` (an independent check on a locator's line). */
export function lineOf(text: string, needle: string): number {
  const line = text.split('\n').findIndex((l) => l.includes(needle));
  assert.ok(line >= 0, `fixture has no line with ${needle}`);
  return line;
}
