// Puts the diagnostics about a notebook on its cells: ranges in the joined code go back to the cell and
// line that hold them, and lines of a notebook run's output say which cell printed them.
import type { LocatedFile, NanDiagnostic, Range, RunScan } from './types';
import { cellOfLine } from './config/notebook';

type Place = { file: string; cell: number; range: Range };
type Related = NanDiagnostic['related'][number];

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const base = (p: string) => p.split(/[\\/]/).pop() ?? p;

export function placeInCells(diagnostics: NanDiagnostic[], runs: RunScan[], files: LocatedFile[]): NanDiagnostic[] {
  const notebooks = files.filter((f) => f.notebook);
  const cellRuns = runs.filter((r) => r.incident?.cell !== undefined);
  if (notebooks.length === 0 && cellRuns.length === 0) return diagnostics;

  const inCode = (file: string, range: Range): Place | null => {
    const nb = notebooks.find((f) => f.file === file)?.notebook;
    const start = nb && cellOfLine(nb.cells, range.start.line);
    if (!nb || !start) return null;
    const end = cellOfLine(nb.cells, range.end.line);
    // A range running past its cell stops at the cell's end.
    const endPos = end && end.cell === start.cell ? { line: end.line, character: range.end.character } : { line: start.line, character: range.start.character + 1 };
    return { file: nb.file, cell: start.cell, range: { start: { line: start.line, character: range.start.character }, end: endPos } };
  };
  // `nb.ipynb (code cells):57` in a message reads `nb.ipynb cell 3:5`; the run's `nb.ipynb:6` reads `nb.ipynb cell 4:6`.
  const rewrite = (message: string): string => {
    let m = message;
    for (const f of notebooks) {
      m = m.replace(new RegExp(`${escape(base(f.file))}:(\\d+)`, 'g'), (all, n: string) => {
        const at = cellOfLine(f.notebook!.cells, Number(n) - 1);
        return at ? `${base(f.notebook!.file)} cell ${at.cell}:${at.line + 1}` : all;
      });
    }
    for (const r of cellRuns) m = m.replace(new RegExp(`${escape(base(r.log))}:(\\d+)\\b`, 'g'), (_all, n: string) => `${base(r.log)} cell ${outputCell(r.log, Number(n))}:${n}`);
    return m;
  };
  const outputCell = (file: string, line: number): number | undefined => {
    const inc = cellRuns.find((r) => r.log === file)?.incident;
    if (!inc) return undefined;
    return line === inc.line ? inc.cell : (inc.before.find((b) => b.line === line)?.cell ?? inc.cell);
  };
  const relate = (r: Related): Related => {
    const code = inCode(r.file, { start: { line: r.line - 1, character: 0 }, end: { line: r.line - 1, character: 0 } });
    if (code) return { ...r, file: code.file, line: code.range.start.line + 1, cell: code.cell, message: rewrite(r.message) };
    const cell = outputCell(r.file, r.line);
    return cell === undefined ? r : { ...r, cell };
  };

  return diagnostics.map((d) => {
    const placed = inCode(d.file, d.range);
    const out: NanDiagnostic = { ...d, message: rewrite(d.message), related: d.related.map(relate) };
    if (placed) Object.assign(out, placed);
    else if (d.code === 'first-nonfinite' && outputCell(d.file, d.range.start.line + 1) !== undefined) out.cell = outputCell(d.file, d.range.start.line + 1);
    out.fixes = d.fixes.map((f) => ({
      ...f,
      edits: f.edits.map((e) => {
        const at = inCode(e.file ?? d.file, e.range);
        return at ? { ...e, file: at.file, cell: at.cell, range: at.range } : e;
      }),
    }));
    return out;
  });
}
