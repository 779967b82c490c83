// Renders scan and diagnose results as compiler-style text, the contract's JSON, or SARIF 2.1.0.
import { otherValues, whereInRun } from '../engine/incident-words';
import type { DiagnoseResult, Incident, NanDiagnostic, RunScan, ScanResult, Severity } from '../engine/types';

export type OutputFormat = 'text' | 'json' | 'sarif';
export const outputFormats: readonly OutputFormat[] = ['text', 'json', 'sarif'];

const TOOL_VERSION = '0.1.0';

function isDiagnose(result: ScanResult | DiagnoseResult): result is DiagnoseResult {
  return Array.isArray((result as DiagnoseResult).diagnostics);
}

/** 0: all finite and nothing at warning or above; 1: an incident or such a diagnostic (contract). */
export function exitStatus(result: ScanResult | DiagnoseResult): number {
  if (result.runs.some((r) => r.incident !== null)) return 1;
  if (isDiagnose(result) && result.diagnostics.some((d) => d.severity === 'error' || d.severity === 'warning')) return 1;
  return 0;
}

export function incidentMessage(incident: Incident): string {
  const where = [whereInRun(incident) || null, incident.rank !== null ? `on rank ${incident.rank}` : null].filter(Boolean).join(' ');
  const what =
    incident.kind === 'overflow'
      ? 'the loss scaler overflowed and did not recover'
      : incident.kind === 'error'
        ? `training raised a non-finite error${incident.metric ? ` (${incident.metric})` : ''}${incident.value === 'error' ? '' : `: ${incident.value}`}`
        : `first non-finite value: ${incident.metric ?? 'metric'} = ${incident.value}`;
  const before = incident.before.length ? `; just before: ${incident.before.map((b) => `${b.event} (line ${b.line})`).join(', ')}` : '';
  return `${what}${where ? ' ' + where : ''}${otherValues(incident)}${before}`;
}

/** A notebook's place names its cell: `nb.ipynb cell 4:6:1` (lines count within the cell). */
export function fileInCell(file: string, cell: number | undefined): string {
  return cell === undefined ? file : `${file} cell ${cell}`;
}

function runSummary(run: RunScan): string {
  const steps = run.steps ? `steps ${run.steps.first}-${run.steps.last}` : 'no steps seen';
  const formats = run.formats.length ? run.formats.join(', ') : 'no known format';
  return `${steps}; ${formats}`;
}

function renderText(result: ScanResult | DiagnoseResult): string {
  const out: string[] = [];
  const diagnostics = isDiagnose(result) ? result.diagnostics : [];
  for (const run of result.runs) {
    const covered = diagnostics.some((d) => d.code === 'first-nonfinite' && d.file === run.log);
    if (run.incident && !covered) out.push(`${fileInCell(run.log, run.incident.cell)}:${run.incident.line}:1: error: ${incidentMessage(run.incident)} [first-nonfinite]`);
    else if (!run.incident) out.push(`${run.log}: note: no non-finite value (${runSummary(run)})`);
  }
  for (const d of diagnostics) {
    out.push(`${fileInCell(d.file, d.cell)}:${d.range.start.line + 1}:${d.range.start.character + 1}: ${d.severity}: ${d.message} [${d.code}]${d.verified ? ' (verified)' : ''}`);
    for (const r of d.related) out.push(`  ${fileInCell(r.file, r.cell)}:${r.line}: note: ${r.message}`);
    for (const f of d.fixes) out.push(`  fix: ${f.title}`);
  }
  if (isDiagnose(result)) for (const e of result.errors ?? []) out.push(`${e.file}: error: ${e.message}`);
  return out.length ? out.join('\n') + '\n' : '';
}

// ---- SARIF 2.1.0 ----

const SARIF_LEVEL: Record<Severity, string> = { error: 'error', warning: 'warning', information: 'note', hint: 'note' };

const RULE_TEXT: Record<string, string> = {
  'first-nonfinite': 'The first non-finite value (NaN/Inf) in the training output',
  'learning-rate': 'Learning rate too high for this run',
  warmup: 'No or too short learning-rate warmup',
  'gradient-clipping': 'Gradients are not clipped',
  'optimizer-epsilon': 'Optimizer epsilon underflows in the training precision',
  precision: 'Training precision cannot represent the values',
  'loss-scale': 'Loss scaling overflows or is missing',
  'validation-frequency': 'Validation runs at a step that diverges',
  data: 'Non-finite or extreme input data',
  initialization: 'Initialization produces extreme activations',
  'loss-function': 'The loss function is numerically unsafe',
};

/** A relative URI reference: each path segment percent-encoded, so `#` and `?` stay part of the name. */
function uri(file: string): string {
  return file
    .replaceAll('\\', '/')
    .split('/')
    .map((segment, i) => (i === 0 && /^[A-Za-z]:$/.test(segment) ? segment : encodeURIComponent(segment)))
    .join('/');
}

interface SarifResult {
  ruleId: string;
  ruleIndex: number;
  level: string;
  message: { text: string };
  locations: unknown[];
  relatedLocations?: unknown[];
  fixes?: unknown[];
  properties?: Record<string, unknown>;
}

function renderSarif(result: ScanResult | DiagnoseResult): string {
  const ruleIds: string[] = [];
  const ruleIndex = (id: string): number => {
    if (!ruleIds.includes(id)) ruleIds.push(id);
    return ruleIds.indexOf(id);
  };
  const results: SarifResult[] = [];
  const diagnostics: NanDiagnostic[] = isDiagnose(result) ? result.diagnostics : [];
  for (const run of result.runs) {
    if (!run.incident || diagnostics.some((d) => d.code === 'first-nonfinite' && d.file === run.log)) continue;
    results.push({
      ruleId: 'first-nonfinite',
      ruleIndex: ruleIndex('first-nonfinite'),
      level: 'error',
      message: { text: incidentMessage(run.incident) },
      locations: [{ physicalLocation: { artifactLocation: { uri: uri(run.log) }, region: { startLine: run.incident.line } } }],
      properties: { step: run.incident.step, metric: run.incident.metric, value: run.incident.value, kind: run.incident.kind, rank: run.incident.rank, cell: run.incident.cell ?? null },
    });
  }
  for (const d of diagnostics) {
    // SARIF lines and columns are 1-based; LSP ranges are 0-based.
    const region = { startLine: d.range.start.line + 1, startColumn: d.range.start.character + 1, endLine: d.range.end.line + 1, endColumn: d.range.end.character + 1 };
    const r: SarifResult = {
      ruleId: d.code,
      ruleIndex: ruleIndex(d.code),
      level: SARIF_LEVEL[d.severity],
      message: { text: d.message },
      locations: [{ physicalLocation: { artifactLocation: { uri: uri(d.file) }, region } }],
      properties: { verified: d.verified, severity: d.severity, ...(d.cell === undefined ? {} : { cell: d.cell }) },
    };
    if (d.related.length) {
      r.relatedLocations = d.related.map((rel, id) => ({
        id,
        message: { text: rel.message },
        physicalLocation: { artifactLocation: { uri: uri(rel.file) }, region: { startLine: rel.line } },
      }));
    }
    if (d.fixes.length) {
      r.fixes = d.fixes.map((f) => ({
        description: { text: f.title },
        artifactChanges: groupEdits(d.file, f.edits).map(([file, edits]) => ({
          artifactLocation: { uri: uri(file) },
          replacements: edits.map((e) => ({
            deletedRegion: { startLine: e.range.start.line + 1, startColumn: e.range.start.character + 1, endLine: e.range.end.line + 1, endColumn: e.range.end.character + 1 },
            insertedContent: { text: e.newText },
          })),
        })),
      }));
    }
    results.push(r);
  }
  const sarif = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'nan-doctor',
            version: TOOL_VERSION,
            rules: ruleIds.map((id) => ({ id, shortDescription: { text: RULE_TEXT[id] ?? id } })),
          },
        },
        results,
      },
    ],
  };
  return JSON.stringify(sarif, null, 2) + '\n';
}

function groupEdits<E extends { file?: string }>(defaultFile: string, edits: E[]): [string, E[]][] {
  const byFile = new Map<string, E[]>();
  for (const e of edits) {
    const file = e.file ?? defaultFile;
    byFile.set(file, [...(byFile.get(file) ?? []), e]);
  }
  return [...byFile];
}

/** The contract's JSON: every incident says its `cell`, null outside notebooks. */
function contractJson(result: ScanResult | DiagnoseResult): ScanResult | DiagnoseResult {
  return { ...result, runs: result.runs.map((r) => (r.incident ? { ...r, incident: { ...r.incident, cell: r.incident.cell ?? null } } : r)) } as ScanResult | DiagnoseResult;
}

export function render(result: ScanResult | DiagnoseResult, format: OutputFormat): string {
  if (format === 'json') return JSON.stringify(contractJson(result), null, 2) + '\n';
  if (format === 'sarif') return renderSarif(result);
  return renderText(result);
}
