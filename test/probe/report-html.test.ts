import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderReportHtml, escapeHtml } from '../../src/probe/report/html';
import { colorFor, textColorOn } from '../../src/probe/report/colors';
import type { LayerStats, ProbeReport } from '../../src/engine/types';

function stats(iteration: number, layer: string, phase: LayerStats['phase'], absMax: number, nanCount = 0, infCount = 0): LayerStats {
  return { iteration, layer, phase, min: -absMax, max: absMax, mean: 0, std: 1, absMax, nanCount, infCount };
}

// The seed case's shape: finite iteration 1, an Inf written by the iteration-1 update, NaN outputs from iteration 2.
const seed: ProbeReport = {
  version: 1,
  backend: 'wasm',
  iterations: 3,
  layers: ['imageproj/dense', 'imageproj/layer_norm'],
  model: 'builtin:imageproj',
  firstNonFinite: { iteration: 2, layer: 'imageproj/dense', phase: 'forward' },
  origin: { iteration: 1, layer: 'imageproj/dense', phase: 'update' },
  counterfactuals: [
    { change: { adam_epsilon: 1e-6 }, finite: true, key: 'solver.adam_epsilon', file: 'configs/train/stage1.yaml', line: 28 },
    { change: { learning_rate: 1e-6 }, finite: false, key: 'solver.learning_rate', file: 'configs/train/stage1.yaml', line: 19 },
  ],
  stats: [
    stats(1, 'imageproj/dense', 'forward', 12.5),
    stats(2, 'imageproj/dense', 'forward', NaN, 3072),
    stats(1, 'imageproj/layer_norm', 'forward', 4),
    stats(2, 'imageproj/layer_norm', 'forward', NaN, 3072),
    stats(1, 'imageproj/dense', 'update', Infinity, 0, 7),
    stats(1, 'imageproj/layer_norm', 'update', 1e-5),
  ],
};

test('the report is one self-contained page: no scripts, no external URLs, no src= references', () => {
  const html = renderReportHtml(seed);
  assert.match(html, /^<!DOCTYPE html>/);
  assert.doesNotMatch(html, /https?:\/\//);
  assert.doesNotMatch(html, /\bsrc\s*=/i);
  assert.doesNotMatch(html, /<script/i);
  assert.doesNotMatch(html, /<link/i);
  assert.doesNotMatch(html, /url\(/i);
});

test('the report says the first non-finite value and its origin in words, and names the backend', () => {
  const html = renderReportHtml(seed);
  assert.match(html, /First non-finite value<\/strong>[^<]*iteration 2, layer <code>imageproj\/dense<\/code>, in the forward pass/);
  assert.match(html, /Origin<\/strong>[^<]*iteration 1, layer <code>imageproj\/dense<\/code>, in the optimizer update/);
  assert.match(html, /backend <strong>wasm<\/strong>/);
});

test('non-finite cells are marked NaN / Inf and the first non-finite and origin cells are called out', () => {
  const html = renderReportHtml(seed);
  const nonFinite = [...html.matchAll(/<td class="nonfinite([^"]*)"[^>]*><span class="v">(NaN|Inf)<\/span>/g)];
  assert.equal(nonFinite.length, 3);
  assert.deepEqual(nonFinite.map((m) => m[2]).sort(), ['Inf', 'NaN', 'NaN']);
  assert.ok(nonFinite.some((m) => m[1].includes('mark-first') && m[2] === 'NaN'));
  assert.ok(nonFinite.some((m) => m[1].includes('mark-origin') && m[2] === 'Inf'));
  // Finite cells are coloured, with their abs-max written.
  assert.match(html, /<td class="val" style="background:#[0-9a-f]{6};color:#[0-9a-f]{6}"[^>]*><span class="v">12.5<\/span>/);
});

test('the sweep table lists each change, where it is set, and whether it stayed finite', () => {
  const html = renderReportHtml(seed);
  const rows = [...html.matchAll(/<tr><td><code>([^<]*)<\/code><\/td><td>(.*?)<\/td><td class="result (pass|fail)">/g)];
  assert.deepEqual(rows.map((r) => [r[1], r[3]]), [['adam_epsilon = 1e-6', 'pass'], ['learning_rate = 1e-6', 'fail']]);
  assert.match(rows[0][2], /solver\.adam_epsilon.*configs\/train\/stage1\.yaml:28/);
});

test('a finite run says so, and user text is escaped', () => {
  const html = renderReportHtml({ ...seed, model: '<img src=x onerror=alert(1)>', firstNonFinite: null, origin: null, counterfactuals: [], stats: [] });
  assert.match(html, /The first 3 iterations stayed finite/);
  assert.doesNotMatch(html, /<img/);
  assert.equal(escapeHtml(`a<b>&"'`), 'a&lt;b&gt;&amp;&quot;&#39;');
});

test('the colour scale runs from dark to light and picks readable text', () => {
  assert.equal(colorFor(0), '#440154');
  assert.equal(colorFor(1), '#fde725');
  assert.equal(textColorOn(colorFor(0)), '#ffffff');
  assert.equal(textColorOn(colorFor(1)), '#111111');
});

test('a report read back from JSON (non-finite numbers as strings or null) still marks those cells', () => {
  const fromJson = JSON.parse(JSON.stringify(seed, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? (Number.isNaN(v) ? 'nan' : 'inf') : v)));
  const html = renderReportHtml(fromJson);
  assert.equal([...html.matchAll(/<td class="nonfinite/g)].length, 3);
  assert.match(html, /<span class="v">12.5<\/span>/);
});

test('a stand-in says so plainly, and an untestable counterfactual reads "not testable on this model", never "still non-finite"', () => {
  const html = renderReportHtml({
    ...seed,
    model: 'builtin:standin-transformer',
    standIn: true,
    counterfactuals: [
      { change: { adam_epsilon: 1e-6 }, finite: true },
      { change: { validation: 'no-step-1' }, finite: null, untestable: 'validation is not something a stand-in model represents' },
    ],
  });
  assert.match(html, /<strong class="standin">stand-in model<\/strong>/);
  assert.match(html, /<strong>Stand-in model\.<\/strong> No model was given/);
  assert.match(html, /<td class="result untestable">[^]*not testable on this model: <span class="muted">validation is not something a stand-in model represents<\/span>/);
  assert.doesNotMatch(html, /still non-finite/);
  assert.match(html, /1 change is not testable on this model/);
});

test('an imported model’s nodes are grouped by module path, each module row summing up its nodes', () => {
  const layers = ['/emb/Gather', '/qkv/MatMul', '/qkv/Add', '/Where', '/Softmax', '/head/MatMul'];
  const html = renderReportHtml({
    ...seed,
    layers,
    firstNonFinite: { iteration: 2, layer: '/qkv/Add', phase: 'forward' },
    origin: { iteration: 1, layer: '/qkv/MatMul', phase: 'update' },
    stats: [
      ...layers.map((l) => stats(1, l, 'forward', l === '/qkv/MatMul' ? 40 : 2)),
      stats(2, '/qkv/Add', 'forward', NaN, 5),
      { ...stats(1, '/Where', 'forward', 3, 0, 12), maskInfinities: true as const },
    ],
  });
  const modules = [...html.matchAll(/<tr class="module"><th scope="row" title="([^"]*)">/g)].map((m) => m[1]);
  // Runs of consecutive nodes, in forward order; a module met for one node is that node's row alone.
  assert.deepEqual(modules, ['/qkv', '/']);
  assert.match(html, /<tr><th scope="row" title="\/emb\/Gather">\/emb\/Gather<\/th>/);
  assert.match(html, /<tr class="node"><th scope="row" title="\/qkv\/MatMul">MatMul<\/th>/);
  // The module row shows its largest node (40), and NaN when a node holds one.
  const qkv = html.slice(html.indexOf('title="/qkv"'), html.indexOf('title="/qkv/MatMul"'));
  assert.match(qkv, /<span class="v">40<\/span>/);
  assert.match(qkv, /<td class="nonfinite"[^>]*><span class="v">NaN<\/span>/);
  // The causal mask's -inf is no fault: its cell is coloured, not hatched.
  const where = html.slice(html.indexOf('title="/Where"'));
  assert.match(where.slice(0, where.indexOf('</tr>')), /<td class="val"/);
});
