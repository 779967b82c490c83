// Shared by the rule tests: real locators on fixture files, runs built in the contract's shape.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { locate } from '../../src/engine/config/index.ts';
import type { BeforeEvent, DiagnosticCode, Incident, LocatedFile, NanDiagnostic, RunScan, Severity } from '../../src/engine/types.ts';

const FIXTURES = join(__dirname, 'fixtures');

/** A fixture file through the real locator, named by its path under fixtures/. */
export async function fixture(path: string): Promise<LocatedFile> {
  const file = await locate(path, readFileSync(join(FIXTURES, path), 'utf8'));
  assert.equal(file.error, undefined, `fixture ${path} should parse`);
  return file;
}

/** A fixture with one edit, through the real locator: the same project with one setting changed. */
export async function variant(path: string, from: string, to: string): Promise<LocatedFile> {
  const text = readFileSync(join(FIXTURES, path), 'utf8');
  assert.ok(text.includes(from), `fixture ${path} has ${from}`);
  const file = await locate(path, text.replace(from, to));
  assert.equal(file.error, undefined, `the variant of ${path} should parse`);
  return file;
}

/** A run that went non-finite, as `nan-doctor scan` reports it. */
export function run(incident: Partial<Incident> & { before?: BeforeEvent[] }, log = 'logs/train.log'): RunScan {
  const full: Incident = { line: 120, step: 40, metric: 'loss', value: 'nan', kind: 'metric', rank: null, before: [], epoch: null, nonFinite: [incident.metric ?? 'loss'], ...incident } as Incident;
  return { log, formats: ['python-logging'], incident: full, steps: { first: 1, last: full.step ?? 1 } };
}

export function finiteRun(log = 'logs/train.log'): RunScan {
  return { log, formats: ['python-logging'], incident: null, steps: { first: 1, last: 500 } };
}

const RANK: Record<Severity, number> = { hint: 0, information: 1, warning: 2, error: 3 };

/** The diagnostics of one code. */
export function byCode(diagnostics: NanDiagnostic[], code: DiagnosticCode): NanDiagnostic[] {
  return diagnostics.filter((d) => d.code === code);
}

/** Exactly one diagnostic of this code, with this severity, on this 1-based line of this file. */
export function expectOne(diagnostics: NanDiagnostic[], code: DiagnosticCode, severity: Severity, file: string, line: number): NanDiagnostic {
  const found = byCode(diagnostics, code).filter((d) => d.file === file && d.range.start.line + 1 === line);
  assert.equal(found.length, 1, `one ${code} diagnostic on ${file}:${line}, got: ${JSON.stringify(byCode(diagnostics, code).map((d) => `${d.file}:${d.range.start.line + 1} ${d.severity}`))}`);
  assert.equal(found[0].severity, severity, `${code} severity: ${found[0].message}`);
  return found[0];
}

/** Nothing of this code above `max` (the evidence clears it). */
export function expectAtMost(diagnostics: NanDiagnostic[], code: DiagnosticCode, max: Severity): void {
  for (const d of byCode(diagnostics, code)) assert.ok(RANK[d.severity] <= RANK[max], `${code} should be at most ${max}, got ${d.severity}: ${d.message}`);
}

/** No diagnostic at warning or above except the log line itself. */
export function expectNothingRisky(diagnostics: NanDiagnostic[]): void {
  const risky = diagnostics.filter((d) => d.code !== 'first-nonfinite' && RANK[d.severity] >= RANK.warning);
  assert.deepEqual(risky.map((d) => `${d.code}: ${d.message}`), []);
}

const SUSPECT = /the usual cause of a NaN in a 16-bit run/;

/** Nothing risky but the 16-bit choices at `places` (`file:line`), usual-suspect warnings (fp16 with no evidence pointing at its range). */
export function expectOnly16BitSuspects(diagnostics: NanDiagnostic[], ...places: string[]): void {
  const suspects = places.map((p) => {
    const at = p.lastIndexOf(':');
    const d = expectOne(diagnostics, 'precision', 'warning', p.slice(0, at), Number(p.slice(at + 1)));
    assert.match(d.message, SUSPECT);
    return d;
  });
  expectNothingRisky(diagnostics.filter((d) => !suspects.includes(d)));
}

/** Applies a fix's edits to text (edits on one line, right to left). */
export function applyEdits(text: string, edits: { range: NanDiagnostic['range']; newText: string }[]): string {
  const lines = text.split('\n');
  const sorted = [...edits].sort((a, b) => b.range.start.line - a.range.start.line || b.range.start.character - a.range.start.character);
  for (const e of sorted) {
    assert.equal(e.range.start.line, e.range.end.line, 'single-line edit');
    const l = lines[e.range.start.line];
    lines[e.range.start.line] = l.slice(0, e.range.start.character) + e.newText + l.slice(e.range.end.character);
  }
  return lines.join('\n');
}

export function fixtureText(path: string): string {
  return readFileSync(join(FIXTURES, path), 'utf8');
}
