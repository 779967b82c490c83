// The probe report as one self-contained HTML page (inline CSS, no scripts, no external URLs):
// the verdict in words, the sweep's table, and a layer × iteration heatmap per phase.
import type { LayerStats, ProbePhase, ProbePoint, ProbeReport } from '../../engine/types';
import { describeChange, formatNumber } from '../verify/sweep';
import { colorFor, legendGradient, textColorOn } from './colors';
import { moduleGroups, shortName } from './module-groups';

const FP16_MAX = 65504;

const PHASE_WORDS: Record<ProbePhase, string> = {
  input: 'the input batch',
  forward: 'the forward pass',
  loss: 'the loss',
  backward: 'the backward pass (gradients)',
  clip: 'gradient clipping',
  update: 'the optimizer update',
  'optimizer-state': 'the optimizer state',
  validation: 'the validation pass',
};

/** Heatmaps, one per group of phases; rows are (layer, phase), columns iterations. */
const GROUPS: { title: string; what: string; phases: ProbePhase[]; main: ProbePhase }[] = [
  { title: 'Forward', what: 'abs-max of each layer’s output (input batch first, loss last)', phases: ['input', 'forward', 'loss'], main: 'forward' },
  { title: 'Backward', what: 'abs-max of each layer’s gradients', phases: ['backward', 'clip'], main: 'backward' },
  { title: 'Update & weights', what: 'abs-max of the optimizer update and state', phases: ['update', 'optimizer-state'], main: 'update' },
  { title: 'Validation', what: 'abs-max of each layer’s output in the validation pass', phases: ['validation'], main: 'validation' },
];

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

export function renderReportHtml(report: ProbeReport): string {
  const title = `NaN Doctor probe — ${report.model ?? 'model'}`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<header>
<h1>NaN Doctor <span class="muted">probe report</span></h1>
<p class="meta">${metaLine(report)}</p>
</header>
${standInNote(report)}
${verdict(report)}
${notes(report)}
${sweepTable(report)}
${heatmaps(report)}
${hyperparameterList(report)}
</body>
</html>
`;
}

function metaLine(r: ProbeReport): string {
  const parts = [
    r.model ? `${r.standIn ? '<strong class="standin">stand-in model</strong> ' : 'model '}<code>${escapeHtml(r.model)}</code>` : undefined,
    `backend <strong>${escapeHtml(r.backend)}</strong>`,
    `${r.iterations} iteration${r.iterations === 1 ? '' : 's'}`,
    `${r.layers.length} layer${r.layers.length === 1 ? '' : 's'} probed`,
  ];
  return parts.filter(Boolean).join(' · ');
}

/** A stand-in is not the user's model: say so before anything else. */
function standInNote(r: ProbeReport): string {
  if (!r.standIn) return '';
  return `<p class="standin-note"><strong>Stand-in model.</strong> No model was given, so the probe ran a small network of the task's family with the run's hyperparameters: it shows optimizer and precision causes only, not what your own model does.</p>`;
}

function notes(r: ProbeReport): string {
  if (!r.notes?.length) return '';
  return `<ul class="notes">${r.notes.map((n) => `<li>${escapeHtml(n)}</li>`).join('')}</ul>`;
}

function pointWords(p: ProbePoint): string {
  return `iteration ${p.iteration}, layer <code>${escapeHtml(p.layer)}</code>, in ${escapeHtml(PHASE_WORDS[p.phase] ?? p.phase)}`;
}

function verdict(r: ProbeReport): string {
  if (!r.firstNonFinite && !r.origin) {
    return `<section class="verdict ok" role="status"><h2><span class="icon" aria-hidden="true">✓</span> The first ${r.iterations} iterations stayed finite</h2>
<p>No layer output, gradient, weight or optimizer state went NaN or Inf, or out of range for its precision.</p></section>`;
  }
  const lines: string[] = [];
  if (r.firstNonFinite) lines.push(`<p><strong>First non-finite value</strong> (what the training log shows): ${pointWords(r.firstNonFinite)}.</p>`);
  else lines.push('<p>The training itself showed no non-finite value in these iterations, but a weight or optimizer state did.</p>');
  if (r.origin) {
    const same = r.firstNonFinite && samePoint(r.firstNonFinite, r.origin);
    lines.push(
      same
        ? '<p><strong>Origin</strong>: the same place — nothing was non-finite before it.</p>'
        : `<p><strong>Origin</strong> (where it was born): ${pointWords(r.origin)}.</p>`,
    );
  }
  if (r.origin?.phase === 'input') lines.push('<p>The input batch itself holds NaN or Inf: no hyperparameter fixes that — look at the data and its preprocessing.</p>');
  const fixes = r.counterfactuals.filter((c) => c.finite === true);
  const untestable = r.counterfactuals.filter((c) => c.finite === null).length;
  if (fixes.length) lines.push(`<p><strong>Fixes that keep it finite</strong>: ${fixes.map((c) => `<code>${escapeHtml(describeChange(c.change))}</code>`).join(', ')}.</p>`);
  else if (r.counterfactuals.some((c) => c.finite === false)) lines.push('<p>None of the changes tried kept the run finite.</p>');
  if (untestable) lines.push(`<p>${untestable} change${untestable === 1 ? ' is' : 's are'} not testable on this model (see the sweep).</p>`);
  const head = r.firstNonFinite ? `Non-finite at iteration ${r.firstNonFinite.iteration}` : 'Non-finite state';
  return `<section class="verdict bad" role="alert"><h2><span class="icon" aria-hidden="true">✗</span> ${head}</h2>${lines.join('\n')}</section>`;
}

function samePoint(a: ProbePoint, b: ProbePoint): boolean {
  return a.iteration === b.iteration && a.layer === b.layer && a.phase === b.phase;
}

function sweepTable(r: ProbeReport): string {
  if (!r.counterfactuals.length) return '';
  const rows = r.counterfactuals.map((c) => {
    const where = [c.key ? `<code>${escapeHtml(c.key)}</code>` : '', c.file ? `<span class="muted">${escapeHtml(c.file)}${c.line ? `:${c.line}` : ''}</span>` : '']
      .filter(Boolean)
      .join(' ');
    const error = (c as { error?: unknown }).error;
    const result = typeof error === 'string'
      ? `<td class="result fail"><span aria-hidden="true">!</span> could not run <span class="muted">${escapeHtml(error)}</span></td>`
      : c.finite === null
        ? `<td class="result untestable"><span aria-hidden="true">–</span> not testable on this model: <span class="muted">${escapeHtml(c.untestable ?? 'no reason given')}</span></td>`
        : c.finite
        ? '<td class="result pass"><span aria-hidden="true">✓</span> finite</td>'
        : `<td class="result fail"><span aria-hidden="true">✗</span> still non-finite${c.firstNonFinite ? ` <span class="muted">(iteration ${c.firstNonFinite.iteration}, ${escapeHtml(c.firstNonFinite.phase)})</span>` : ''}</td>`;
    return `<tr><td><code>${escapeHtml(describeChange(c.change))}</code></td><td>${where || '<span class="muted">—</span>'}</td>${result}</tr>`;
  });
  return `<section><h2>Counterfactual sweep</h2>
<p class="muted">Each row re-ran the same iterations with one change.</p>
<table class="sweep"><thead><tr><th>change</th><th>where it is set</th><th>first ${r.iterations} iterations</th></tr></thead>
<tbody>
${rows.join('\n')}
</tbody></table></section>`;
}

function heatmaps(r: ProbeReport): string {
  const stats = (r.stats ?? []).map(normalizeStats);
  if (!stats.length) return '<section><h2>Per-layer probes</h2><p class="muted">This report carries no per-layer statistics.</p></section>';
  const maps = GROUPS.map((g) => heatmap(r, g, stats.filter((s) => g.phases.includes(s.phase)))).filter(Boolean);
  return `<section><h2>Per-layer probes</h2>
<p class="muted">Each cell is the largest absolute value (abs-max) of a layer at an iteration, on a log scale; hover a cell for its statistics. Hatched red cells hold NaN or Inf.</p>
${maps.join('\n')}</section>`;
}

/** Reports that went through JSON carry non-finite numbers as 'nan' / 'inf' strings or null: read them back. */
function normalizeStats(s: LayerStats): LayerStats {
  const n = (v: unknown): number => {
    if (typeof v === 'number') return v;
    if (v === 'inf' || v === 'Infinity') return Infinity;
    if (v === '-inf' || v === '-Infinity') return -Infinity;
    return NaN;
  };
  return { ...s, min: n(s.min), max: n(s.max), mean: n(s.mean), std: n(s.std), absMax: n(s.absMax), nanCount: Number(s.nanCount) || 0, infCount: Number(s.infCount) || 0 };
}

interface Row {
  layer: string;
  phase: ProbePhase;
}

function heatmap(r: ProbeReport, group: (typeof GROUPS)[number], stats: LayerStats[]): string {
  if (!stats.length) return '';
  const rows = rowsOf(r.layers, group.phases, stats);
  const iterations = Math.max(r.iterations, ...stats.map((s) => s.iteration));
  const cells = new Map(stats.map((s) => [`${s.layer}\u0000${s.phase}\u0000${s.iteration}`, s]));
  const logs = stats.filter((s) => isFiniteCell(s) && s.absMax > 0).map((s) => Math.log10(s.absMax));
  const lo = logs.length ? Math.floor(Math.min(...logs)) : 0;
  const hi = logs.length ? Math.max(lo + 1, Math.ceil(Math.max(...logs))) : 1;

  const head = Array.from({ length: iterations }, (_, i) => `<th scope="col">${i + 1}</th>`).join('');
  const modules = moduleGroups(r.layers);
  const line = (row: Row, name: string, cls = ''): string => {
    const label = `${escapeHtml(name)}${row.phase !== group.main && row.layer !== row.phase ? ` <span class="muted">${escapeHtml(row.phase)}</span>` : ''}`;
    const tds = Array.from({ length: iterations }, (_, i) => cell(cells.get(`${row.layer}\u0000${row.phase}\u0000${i + 1}`), r, lo, hi)).join('');
    return `<tr${cls}><th scope="row" title="${escapeHtml(row.layer)}">${label}</th>${tds}</tr>`;
  };
  const body: string[] = [];
  for (const [module, members] of byModule(rows, modules)) {
    // A module met for one node is that node's row alone.
    if (module === null || members.length === 1) {
      body.push(...members.map((row) => line(row, row.layer)));
      continue;
    }
    // The module's row: the largest abs-max of its nodes, NaN/Inf if any of them is.
    const headTds = Array.from({ length: iterations }, (_, i) => cell(moduleCell(members, cells, i + 1), { ...r, firstNonFinite: null, origin: null }, lo, hi)).join('');
    const what = module === '/' ? 'the model’s own ops, ' : '';
    body.push(`<tr class="module"><th scope="row" title="${escapeHtml(module)}">${escapeHtml(module)} <span class="muted">${what}${members.length} nodes</span></th>${headTds}</tr>`);
    body.push(...members.map((row) => line(row, shortName(row.layer, module), ' class="node"')));
  }
  return `<figure class="heatmap">
<figcaption><strong>${escapeHtml(group.title)}</strong> <span class="muted">— ${escapeHtml(group.what)}</span></figcaption>
<div class="scroll"><table class="grid"><thead><tr><th scope="col" class="corner">layer \\ iteration</th>${head}</tr></thead>
<tbody>
${body.join('\n')}
</tbody></table></div>
${legend(lo, hi, logs.length > 0)}
</figure>`;
}

/** Consecutive rows of the same module, in the order the forward pass runs them (null: rows that are no module's). */
function byModule(rows: Row[], modules: Map<string, string>): [string | null, Row[]][] {
  const out: [string | null, Row[]][] = [];
  for (const row of rows) {
    const module = modules.get(row.layer) ?? null;
    const last = out[out.length - 1];
    if (last && last[0] === module) last[1].push(row);
    else out.push([module, [row]]);
  }
  return out;
}

/** A module's statistics at one iteration: the abs-max over its nodes, with their NaN and Inf counts added up. */
function moduleCell(rows: Row[], cells: Map<string, LayerStats>, iteration: number): LayerStats | undefined {
  const members = rows.map((row) => cells.get(`${row.layer}\u0000${row.phase}\u0000${iteration}`)).filter((s): s is LayerStats => s !== undefined);
  if (!members.length) return undefined;
  const top = members.reduce((a, b) => (b.absMax > a.absMax || Number.isNaN(b.absMax) ? b : a));
  // A mask's intended -inf is no fault of the module's.
  const infCount = members.reduce((n, s) => n + (s.maskInfinities ? 0 : s.infCount), 0);
  return { ...top, nanCount: members.reduce((n, s) => n + s.nanCount, 0), infCount, maskInfinities: undefined };
}

function rowsOf(layers: string[], phases: ProbePhase[], stats: LayerStats[]): Row[] {
  const order = [...layers, ...stats.map((s) => s.layer).filter((l) => !layers.includes(l))];
  const rows: Row[] = [];
  for (const phase of phases) {
    for (const layer of order) {
      if (stats.some((s) => s.phase === phase && s.layer === layer) && !rows.some((x) => x.layer === layer && x.phase === phase)) rows.push({ layer, phase });
    }
  }
  return rows;
}

/** A cell with nothing non-finite in it; a mask's intended infinities (-inf in masked attention scores) do not count. */
function isFiniteCell(s: LayerStats): boolean {
  return s.nanCount === 0 && (s.infCount === 0 || s.maskInfinities === true) && !Number.isNaN(s.absMax);
}

function cell(s: LayerStats | undefined, r: ProbeReport, lo: number, hi: number): string {
  if (!s) return '<td class="empty"><span class="muted">·</span></td>';
  const marks: string[] = [];
  if (r.firstNonFinite && samePoint(r.firstNonFinite, s)) marks.push('first');
  if (r.origin && samePoint(r.origin, s)) marks.push('origin');
  const word = s.nanCount > 0 || Number.isNaN(s.absMax) ? 'NaN' : 'Inf';
  const badge = marks.map((m) => `<span class="badge ${m}">${m === 'first' ? `first ${isFiniteCell(s) ? 'non-finite' : word}` : 'origin'}</span>`).join('');
  const cls = marks.map((m) => ` mark-${m}`).join('');
  const tip = escapeHtml(tooltip(s));
  if (!isFiniteCell(s)) {
    return `<td class="nonfinite${cls}" title="${tip}"><span class="v">${word}</span>${badge}</td>`;
  }
  if (s.absMax === 0) return `<td class="zero${cls}" title="${tip}"><span class="v">0</span>${badge}</td>`;
  const t = (Math.log10(s.absMax) - lo) / (hi - lo);
  const bg = colorFor(t);
  const over = s.absMax > FP16_MAX ? ' over-fp16' : '';
  return `<td class="val${cls}${over}" style="background:${bg};color:${textColorOn(bg)}" title="${tip}"><span class="v">${escapeHtml(short(s.absMax))}</span>${badge}</td>`;
}

function tooltip(s: LayerStats): string {
  const parts = [
    `${s.layer} · ${s.phase} · iteration ${s.iteration}`,
    `abs-max ${num(s.absMax)}  min ${num(s.min)}  max ${num(s.max)}`,
    `mean ${num(s.mean)}  std ${num(s.std)}`,
    `NaN ${s.nanCount}  Inf ${s.infCount}`,
  ];
  if (s.fp16Headroom !== undefined) parts.push(`fp16 headroom ${num(s.fp16Headroom)} doublings`);
  if (s.maskInfinities) parts.push('its Inf values are a mask (-inf on purpose), not a fault');
  if (s.weightNorm !== undefined) parts.push(`weight norm ${num(s.weightNorm)}`);
  if (s.updateRatio !== undefined) parts.push(`update/weight ${num(s.updateRatio)}`);
  return parts.join('\n');
}

function num(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? 'Inf' : '-Inf';
  return formatNumber(v);
}

/** Short cell text: 3 significant digits in e-notation outside [0.01, 1000). */
function short(v: number): string {
  const a = Math.abs(v);
  if (a >= 0.01 && a < 1000) return String(Number(v.toPrecision(3)));
  const [m, e] = v.toExponential(1).split('e');
  return `${m.replace(/\.0$/, '')}e${Number(e)}`;
}

function legend(lo: number, hi: number, hasScale: boolean): string {
  const ticks: string[] = [];
  const step = Math.max(1, Math.ceil((hi - lo) / 8));
  for (let e = lo; e <= hi; e += step) ticks.push(`<span style="left:${(100 * (e - lo)) / (hi - lo)}%">${powerOfTen(e)}</span>`);
  const fp16 = Math.log10(FP16_MAX);
  const fp16Mark = fp16 > lo && fp16 < hi ? `<span class="fp16" style="left:${(100 * (fp16 - lo)) / (hi - lo)}%">fp16 max</span>` : '';
  return `<div class="legend" aria-label="colour scale: abs-max from 1e${lo} to 1e${hi}">
${hasScale ? `<div class="scale"><div class="bar" style="background:${legendGradient()}"></div><div class="ticks">${ticks.join('')}${fp16Mark}</div></div>` : ''}
<div class="keys"><span class="key zero">0</span> exactly zero <span class="key nonfinite">NaN</span> NaN or Inf <span class="key mark-first">&nbsp;</span> first non-finite <span class="key mark-origin">&nbsp;</span> origin</div>
</div>`;
}

function powerOfTen(e: number): string {
  return e >= -2 && e <= 3 ? String(Number((10 ** e).toPrecision(1))) : `1e${e}`;
}

function hyperparameterList(r: ProbeReport): string {
  const hp = r.hyperparameters;
  if (!hp || !Object.keys(hp).length) return '';
  const items = Object.entries(hp).map(([k, v]) => `<div><dt>${escapeHtml(k)}</dt><dd><code>${escapeHtml(typeof v === 'number' ? formatNumber(v) : typeof v === 'string' ? v : JSON.stringify(v))}</code></dd></div>`);
  return `<section><h2>Hyperparameters of the base run</h2><dl class="hp">${items.join('')}</dl></section>`;
}

// Colours come from the VS Code theme in a webview and from the system theme in a browser.
const STYLE = `
:root{color-scheme:light dark;
--bg:var(--vscode-editor-background,#ffffff);--fg:var(--vscode-editor-foreground,#1f2328);
--muted:var(--vscode-descriptionForeground,#656d76);--line:var(--vscode-panel-border,#d0d7de);
--panel:var(--vscode-sideBar-background,#f6f8fa);--ok:var(--vscode-testing-iconPassed,#1a7f37);
--bad:var(--vscode-testing-iconFailed,#cf222e);--code:var(--vscode-textCodeBlock-background,rgba(175,184,193,.2));
--font:var(--vscode-font-family,system-ui,-apple-system,"Segoe UI",sans-serif);--mono:var(--vscode-editor-font-family,ui-monospace,"SFMono-Regular",Menlo,Consolas,monospace)}
@media (prefers-color-scheme:dark){:root{
--bg:var(--vscode-editor-background,#0d1117);--fg:var(--vscode-editor-foreground,#e6edf3);
--muted:var(--vscode-descriptionForeground,#8d96a0);--line:var(--vscode-panel-border,#30363d);
--panel:var(--vscode-sideBar-background,#161b22);--ok:var(--vscode-testing-iconPassed,#3fb950);
--bad:var(--vscode-testing-iconFailed,#f85149);--code:var(--vscode-textCodeBlock-background,rgba(110,118,129,.4))}}
*{box-sizing:border-box}
body{margin:0;padding:24px 32px 48px;background:var(--bg);color:var(--fg);font:14px/1.5 var(--font);max-width:1200px}
h1{font-size:22px;margin:0 0 2px}h2{font-size:16px;margin:28px 0 8px}
code{font-family:var(--mono);font-size:12.5px;background:var(--code);padding:1px 5px;border-radius:4px}
.muted{color:var(--muted);font-weight:normal}.meta{margin:0;color:var(--muted)}.meta strong{color:var(--fg)}
.verdict{border:1px solid var(--line);border-left:6px solid var(--bad);border-radius:8px;padding:4px 18px 8px;margin-top:18px;background:var(--panel)}
.verdict.ok{border-left-color:var(--ok)}.verdict h2{margin:10px 0 6px}.verdict p{margin:6px 0}
.verdict.bad .icon{color:var(--bad)}.verdict.ok .icon{color:var(--ok)}
table{border-collapse:collapse}
.sweep{width:100%;border:1px solid var(--line);border-radius:8px}
.sweep th,.sweep td{text-align:left;padding:7px 12px;border-bottom:1px solid var(--line)}
.sweep thead th{font-weight:600;background:var(--panel)}
.result.pass{color:var(--ok);font-weight:600}.result.fail{color:var(--bad);font-weight:600}.result.untestable{color:var(--muted);font-weight:600}.result .muted{font-weight:normal}
.standin{color:var(--bad)}.standin-note{border:1px dashed var(--line);border-radius:8px;padding:8px 14px;margin-top:14px}
.notes{margin:8px 0;color:var(--muted)}
.grid tr.module th{font-weight:600}.grid tr.node th{padding-left:18px;font-size:11.5px}.grid tr.node td{height:26px;font-size:11px}
.heatmap{margin:18px 0 26px}.heatmap figcaption{margin-bottom:8px}
.scroll{overflow-x:auto}
.grid th,.grid td{border:2px solid var(--bg)}
.grid thead th{font-weight:600;font-size:12px;color:var(--muted);padding:2px 6px;text-align:center}
.grid th.corner{text-align:left}
.grid th.corner,.grid tbody th{width:290px;min-width:290px}
.grid tbody th{font-family:var(--mono);font-size:12.5px;font-weight:normal;text-align:left;padding:0 12px 0 0;white-space:nowrap;max-width:290px;overflow:hidden;text-overflow:ellipsis}
.grid td{min-width:86px;height:36px;padding:0 6px;text-align:center;font-family:var(--mono);font-size:12px;position:relative;border-radius:5px}
.grid td.over-fp16 .v{text-decoration:underline dotted}
td.nonfinite,.key.nonfinite{background:repeating-linear-gradient(45deg,#d1242f 0 6px,#8b1a22 6px 12px);color:#fff;font-weight:700}
td.zero,.key.zero{background:var(--panel);color:var(--muted);outline:1px dashed var(--line);outline-offset:-3px}
td.empty{text-align:center}
td.mark-first,.key.mark-first{box-shadow:inset 0 0 0 3px #ffd33d}
td.mark-origin,.key.mark-origin{box-shadow:inset 0 0 0 3px #ff8c00}
td.mark-first.mark-origin{box-shadow:inset 0 0 0 3px #ff8c00,inset 0 0 0 6px #ffd33d}
.badge{position:absolute;top:-9px;right:-4px;font:600 10px/1 var(--font);padding:2px 5px;border-radius:8px;white-space:nowrap;z-index:1;color:#1f2328}
.badge.first{background:#ffd33d}.badge.origin{background:#ff8c00}
.badge+.badge{top:auto;bottom:-9px}
.legend{display:flex;flex-wrap:wrap;gap:10px 28px;align-items:flex-start;margin-top:10px;font-size:12px;color:var(--muted)}
.scale{width:340px}.bar{height:12px;border-radius:3px}
.ticks{position:relative;height:30px}
.ticks span{position:absolute;transform:translateX(-50%);top:2px;white-space:nowrap}
.ticks span.fp16{top:15px;color:var(--fg)}
.ticks span.fp16::before{content:"";position:absolute;left:50%;top:-17px;height:14px;border-left:2px solid var(--fg)}
.keys{display:flex;flex-wrap:wrap;gap:6px;align-items:center}
.key{display:inline-block;min-width:34px;height:20px;line-height:20px;text-align:center;border-radius:4px;margin-left:10px;font-family:var(--mono);font-size:11px}
.key:first-child{margin-left:0}
.hp{display:grid;grid-template-columns:repeat(auto-fill,minmax(230px,1fr));gap:4px 18px;margin:0}
.hp div{display:flex;justify-content:space-between;gap:8px;border-bottom:1px dotted var(--line);padding:3px 0}
.hp dt{color:var(--muted)}.hp dd{margin:0}
`;
