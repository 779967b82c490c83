#!/usr/bin/env node
// Checks the corpus cases' shape (fields, and that each `text` is on its `line`) without running NaN Doctor,
// so an expectation can be written and checked before the tool ever sees the case.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const which = process.argv[2] ?? 'all';
const problems = [];
const say = (c, m) => problems.push(`${c}: ${m}`);
const VALUES = ['nan', 'inf', '-inf', 'overflow', 'error'];
const KINDS = ['metric', 'overflow', 'error'];
const CODES = ['learning-rate', 'warmup', 'gradient-clipping', 'optimizer-epsilon', 'precision', 'loss-scale', 'validation-frequency', 'validation-isolation', 'data', 'initialization', 'loss-function'];

/** A notebook cell's source lines (`cell` 1-based among all cells as stored), as NaN Doctor counts them. */
function cellLines(file, cell) {
  const source = JSON.parse(readFileSync(file, 'utf8')).cells?.[cell - 1]?.source;
  return (Array.isArray(source) ? source.join('') : (source ?? '')).split('\n');
}

function linesOf(file) {
  // grep -n counting: newline-terminated lines; a carriage return stays on its line.
  return readFileSync(file, 'latin1').split('\n');
}

function cases(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((d) => statSync(join(dir, d)).isDirectory()).map((d) => join(dir, d));
}

function checkLogs() {
  const dirs = cases(join(root, 'test/output/corpus'));
  const projects = new Set();
  const frameworks = new Set();
  let traps = 0;
  for (const dir of dirs) {
    const id = dir.split('/').pop();
    let c;
    try { c = JSON.parse(readFileSync(join(dir, 'case.json'), 'utf8')); } catch (e) { say(id, `case.json: ${e.message}`); continue; }
    for (const k of ['source', 'project', 'framework', 'log', 'why']) if (typeof c[k] !== 'string' || !c[k]) say(id, `missing ${k}`);
    if (!/^https:\/\/github\.com\/[^/]+\/[^/]+\/(issues|pull|discussions)\/\d+/.test(c.source ?? '')) say(id, `source is not a GitHub issue URL: ${c.source}`);
    projects.add(String(c.project).toLowerCase());
    frameworks.add(c.framework);
    const log = join(dir, c.log ?? '');
    if (!c.log || !existsSync(log)) { say(id, `log file ${c.log} missing`); continue; }
    if (typeof c.trap !== 'boolean') say(id, 'trap must be true or false');
    if (c.trap) { traps++; if (c.expected !== null) say(id, 'a trap has expected: null'); continue; }
    const e = c.expected;
    if (!e) { say(id, 'expected missing'); continue; }
    if (!Number.isInteger(e.line) || e.line < 1) { say(id, 'expected.line must be a 1-based integer'); continue; }
    const line = linesOf(log)[e.line - 1];
    if (line === undefined) say(id, `line ${e.line} is past the end of ${c.log}`);
    else if (typeof e.text !== 'string' || !line.includes(e.text)) say(id, `line ${e.line} does not contain ${JSON.stringify(e.text)}: ${JSON.stringify(line.slice(0, 160))}`);
    for (const k of ['step', 'epoch']) if (!(e[k] === null || Number.isFinite(e[k]))) say(id, `expected.${k} must be a number or null`);
    if (!VALUES.includes(e.value)) say(id, `expected.value must be one of ${VALUES}`);
    if (!KINDS.includes(e.kind)) say(id, `expected.kind must be one of ${KINDS}`);
    if (!(e.metric === null || typeof e.metric === 'string')) say(id, 'expected.metric must be a string or null');
    if (!Array.isArray(e.nonFinite)) say(id, 'expected.nonFinite must be an array');
    else if (e.metric && e.nonFinite[0] !== e.metric) say(id, 'expected.nonFinite must start with metric');
  }
  console.log(`logs: ${dirs.length} cases, ${traps} traps, ${projects.size} projects, ${frameworks.size} frameworks (${[...frameworks].sort().join(', ')})`);
}

function checkProjects() {
  const dirs = cases(join(root, 'test/config/corpus'));
  const families = {};
  let causes = 0;
  let notCauses = 0;
  for (const dir of dirs) {
    const id = dir.split('/').pop();
    let c;
    try { c = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')); } catch (e) { say(id, `expected.json: ${e.message}`); continue; }
    for (const k of ['report', 'fix', 'repository', 'commit']) if (typeof c.sources?.[k] !== 'string' || !c.sources[k]) say(id, `missing sources.${k}`);
    for (const k of ['framework', 'family', 'summary']) if (typeof c[k] !== 'string' || !c[k]) say(id, `missing ${k}`);
    families[c.family] = (families[c.family] ?? 0) + 1;
    for (const log of c.diagnose?.logs ?? []) if (!existsSync(join(dir, log))) say(id, `diagnose.logs: ${log} missing`);
    for (const cfg of c.diagnose?.configs ?? []) if (!existsSync(join(dir, cfg))) say(id, `diagnose.configs: ${cfg} missing`);
    for (const [list, items] of [['causes', c.causes], ['notCauses', c.notCauses]]) {
      if (!Array.isArray(items)) { say(id, `${list} must be an array`); continue; }
      if (list === 'causes' && items.length === 0) say(id, 'no causes');
      for (const item of items) {
        if (list === 'causes') causes++; else notCauses++;
        const file = join(dir, item.file ?? '');
        if (!item.file || !existsSync(file)) { say(id, `${list}: file ${item.file} missing`); continue; }
        const line = (item.cell === undefined ? linesOf(file) : cellLines(file, item.cell))[item.line - 1];
        if (line === undefined) say(id, `${list}: ${item.file}${item.cell === undefined ? '' : ` cell ${item.cell}`}:${item.line} is past the end`);
        else if (typeof item.text !== 'string' || !line.includes(item.text)) say(id, `${list}: ${item.file}:${item.line} does not contain ${JSON.stringify(item.text)}: ${JSON.stringify(line.slice(0, 160))}`);
        if (!CODES.includes(item.code)) say(id, `${list}: code ${item.code} is not one of ${CODES}`);
      }
    }
  }
  console.log(`projects: ${dirs.length} cases, ${causes} cause lines, ${notCauses} not-the-cause lines, families ${JSON.stringify(families)}`);
}

if (which === 'all' || which === 'logs') checkLogs();
if (which === 'all' || which === 'projects') checkProjects();
for (const p of problems) console.log(`  ${p}`);
process.exit(problems.length ? 1 : 0);
