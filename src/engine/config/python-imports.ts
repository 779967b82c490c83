// The project code a run executes beyond its scripts: the modules they import, followed through the
// project (relative and package imports, transitively, bounded), the classes and functions that
// configs and scripts name as the loss (`loss=dict(type='CTCLoss')`, `loss='binary_crossentropy'`),
// and, where an imported module of a project package is missing, that package's loss modules.
import { readFile } from 'node:fs/promises';
import { posix } from 'node:path';
import { kids, ofType, stringValue, type PyNode } from './pyast';
import { pythonParser } from './treesitter';

export interface PythonImport {
  /** The dotted module as written, without leading dots (`yolov6.models.loss`, `models` for `from ..models import X`). */
  module: string;
  /** Leading dots of a relative import (0 for an absolute one). */
  level: number;
  /** Imported names (`from m import a, b` → a, b), which may be submodules. */
  names: string[];
}

export interface RunCode {
  /** Project-relative, `/`-separated. */
  path: string;
  /** Why it is part of the run, for discovery's notes. */
  why: string;
}

export interface FollowOptions {
  /** How many imports deep to follow from a script. */
  maxDepth?: number;
  /** How many files to add in all. */
  maxFiles?: number;
  /** Reads a project-relative file (tests pass an in-memory project). */
  read?: (path: string) => Promise<string>;
}

const MAX_DEPTH = 4;
const MAX_FILES = 40;
const MAX_LOSS_MODULES = 6;
const MAX_DEFINITION_SEARCH = 3000;
const MAX_DEFINITIONS = 2;
const NOT_RUN_CODE = /(^|\/)(tests?|docs?)\//;
// (margin-softmax heads compute the loss's logits: arcface.py, cosface.py, circle_softmax.py)
const LOSS_FILE = /(^|[/_])(loss|losses|objective|objectives|criterion|criterions|arcface|cosface|sphereface|circle_softmax|am_softmax)(\.py$|[/_])/i;
const LOSS_CODE = /^\s*class\s+\w*(loss|criterion)\b|^\s*def\s+(compute_loss|criterion|\w+_loss)\s*\(/im;
const LOSS_KEY = /^(loss|losses|loss_\w+|\w+_loss|criterion|objective)$/;

/** The imports of one Python file (anywhere in it: top level, functions, try blocks). */
export async function pythonImports(text: string): Promise<PythonImport[]> {
  const tree = (await pythonParser()).parse(text);
  if (!tree) return [];
  try {
    const out: PythonImport[] = [];
    for (const statement of ofType(tree.rootNode, ['import_statement', 'import_from_statement'])) {
      const names = statement.childrenForFieldName('name').filter((n): n is PyNode => !!n).map((n) => (n.type === 'aliased_import' ? (n.childForFieldName('name')?.text ?? '') : n.text));
      if (statement.type === 'import_statement') {
        for (const name of names) out.push({ module: name, level: 0, names: [] });
        continue;
      }
      const from = statement.childForFieldName('module_name');
      if (!from) continue;
      const prefix = from.type === 'relative_import' ? kids(from).find((k) => k.type === 'import_prefix') : undefined;
      const dotted = from.type === 'relative_import' ? (kids(from).find((k) => k.type === 'dotted_name')?.text ?? '') : from.text;
      if (dotted === '__future__') continue;
      out.push({ module: dotted, level: prefix ? prefix.text.length : 0, names: names.filter((n) => n !== '*') });
    }
    return out;
  } finally {
    tree.delete();
  }
}

/** Names a file gives as the loss: `loss='binary_crossentropy'`, `loss=dict(type='CTCLoss')`, `criterion: {type: FocalLoss}`. */
export async function lossNames(text: string): Promise<string[]> {
  const tree = (await pythonParser()).parse(text);
  if (!tree) return [];
  try {
    const out = new Set<string>();
    const named = (value: PyNode | null) => {
      if (!value) return;
      const s = stringValue(value);
      if (s !== null) {
        if (/^[A-Za-z_]\w*$/.test(s)) out.add(s);
        return;
      }
      // dict(type='X', …) / {'type': 'X', …}
      const fields = value.type === 'call' && value.childForFieldName('function')?.text === 'dict' ? kids(value.childForFieldName('arguments')!) : value.type === 'dictionary' ? kids(value) : [];
      for (const f of fields) {
        const key = f.type === 'keyword_argument' ? f.childForFieldName('name')?.text : f.type === 'pair' ? stringValue(f.childForFieldName('key')!) : null;
        if (key === 'type') named(f.childForFieldName('value'));
      }
    };
    for (const kw of ofType(tree.rootNode, 'keyword_argument')) if (LOSS_KEY.test(kw.childForFieldName('name')?.text ?? '')) named(kw.childForFieldName('value'));
    for (const pair of ofType(tree.rootNode, 'pair')) if (LOSS_KEY.test(stringValue(pair.childForFieldName('key')!) ?? '')) named(pair.childForFieldName('value'));
    return [...out];
  } finally {
    tree.delete();
  }
}

/**
 * The project files a run executes besides `scripts`: their imports (relative, and absolute ones found
 * from the script's folder or any folder above it), the definitions of loss names the scripts and
 * `configs` give, and the loss modules of a project package whose imported module is not in the project.
 */
export async function runCode(root: string, project: { files: string[]; scripts: string[]; configs: string[] }, opts: FollowOptions = {}): Promise<RunCode[]> {
  const read = opts.read ?? ((p: string) => readFile(posix.join(root, p), 'utf8').catch(() => ''));
  const maxDepth = opts.maxDepth ?? MAX_DEPTH;
  const maxFiles = opts.maxFiles ?? MAX_FILES;
  const python = project.files.filter((f) => f.endsWith('.py'));
  const files = new Set(python);
  const dirs = new Set(python.flatMap((f) => ancestors(posix.dirname(f))));
  const known = new Set([...project.scripts, ...project.configs]);
  const out: RunCode[] = [];
  const add = (path: string, why: string) => {
    if (known.has(path) || out.length >= maxFiles) return false;
    known.add(path);
    out.push({ path, why });
    return true;
  };

  // ---- imports, breadth first from each script ----
  const missing: { pkg: string; module: string; importer: string }[] = [];
  const names = new Set<string>();
  const queue = project.scripts.filter((s) => s.endsWith('.py')).map((s) => ({ path: s, entry: s, depth: 0 }));
  const visited = new Set(queue.map((q) => q.path));
  while (queue.length) {
    const { path, entry, depth } = queue.shift()!;
    const text = await read(path);
    for (const n of await lossNames(text)) names.add(n);
    if (depth >= maxDepth) continue;
    for (const imp of await pythonImports(text)) {
      const found = resolveImport(imp, path, entry, files, dirs);
      if (found.missing) missing.push({ ...found.missing, importer: path });
      for (const target of found.paths) {
        if (visited.has(target)) continue;
        visited.add(target);
        add(target, `${path} imports it${depth ? ` (from ${entry})` : ''}`);
        if (known.has(target)) queue.push({ path: target, entry, depth: depth + 1 });
      }
    }
  }

  // ---- the loss the configs and scripts name, where the project defines it ----
  for (const c of project.configs.filter((p) => p.endsWith('.py'))) for (const n of await lossNames(await read(c))) names.add(n);
  if (names.size) {
    const wanted = [...names];
    const pattern = new RegExp(`^\\s*(?:class|def)\\s+(${wanted.map(escape).join('|')})\\b`, 'm');
    const found = new Map<string, number>();
    for (const f of python.filter((p) => !NOT_RUN_CODE.test(p)).slice(0, MAX_DEFINITION_SEARCH)) {
      if (known.has(f)) continue;
      const m = pattern.exec(await read(f));
      // a name defined in many places (a vendored copy, a fork per task) says little about which one runs
      if (!m || (found.get(m[1]) ?? 0) >= MAX_DEFINITIONS) continue;
      found.set(m[1], (found.get(m[1]) ?? 0) + 1);
      add(f, `defines ${m[1]}, the loss the run's config or script names`);
    }
  }

  // ---- a project package whose module is missing (a partial checkout, a dynamic import): its loss modules ----
  const anchors = [...missing.map((m) => ({ pkg: m.pkg, near: m.module, why: `${m.importer} imports ${m.module.replace(/\//g, '.')}, which is not in the project` }))];
  // a run through a package's own command (`yolo …`) has no script: the package that holds its config
  if (!project.scripts.length) {
    for (const c of project.configs) {
      const top = c.split('/')[0];
      if (c.includes('/') && !/^(configs?|conf|experiments?)$/i.test(top) && python.some((f) => f.startsWith(`${top}/`))) anchors.push({ pkg: top, near: c, why: `the run's config ${c} belongs to the package` });
    }
  }
  const seenPkgs = new Set<string>();
  for (const a of anchors) {
    if (seenPkgs.has(a.pkg)) continue;
    seenPkgs.add(a.pkg);
    for (const f of await lossModules(a.pkg, a.near, python, read)) add(f, `a loss module of ${a.pkg}/ (${a.why})`);
  }
  return out;
}

/** The project files an import names, or the project package it points into when the module itself is missing. */
export function resolveImport(imp: PythonImport, importer: string, entry: string, files: Set<string>, dirs: Set<string>): { paths: string[]; missing?: { pkg: string; module: string } } {
  const parts = imp.module ? imp.module.split('.') : [];
  let bases: string[];
  if (imp.level > 0) {
    let dir = posix.dirname(importer);
    for (let i = 1; i < imp.level; i++) dir = posix.dirname(dir);
    bases = [dir === '.' ? '' : dir];
  } else {
    // the script's folder is sys.path[0]; a package run from the project root (`-m`, PYTHONPATH) resolves from above
    bases = unique([...ancestors(posix.dirname(entry)), ...ancestors(posix.dirname(importer))].concat(''));
  }
  for (const base of bases) {
    const modulePath = posix.join(base, ...parts);
    const module = moduleFile(modulePath, files);
    const submodules = imp.names.map((n) => moduleFile(posix.join(modulePath, n), files)).filter((p): p is string => !!p);
    if (module || submodules.length) return { paths: unique([...(module ? [module] : []), ...submodules]) };
  }
  // `from yolov6.core.engine import Trainer` with yolov6/ in the project but not yolov6/core/engine.py
  if (imp.level === 0 && parts.length > 1) {
    for (const base of bases) {
      const top = posix.join(base, parts[0]);
      if (dirs.has(top)) return { paths: [], missing: { pkg: top, module: posix.join(base, ...parts) } };
    }
  }
  return { paths: [] };
}

function moduleFile(path: string, files: Set<string>): string | null {
  if (files.has(`${path}.py`)) return `${path}.py`;
  if (files.has(`${path}/__init__.py`)) return `${path}/__init__.py`;
  return null;
}

/** A package's loss modules (by name, then by what they define), those nearest `near` first. */
async function lossModules(pkg: string, near: string, python: string[], read: (p: string) => Promise<string>): Promise<string[]> {
  const inside = python.filter((f) => f.startsWith(`${pkg}/`) && !NOT_RUN_CODE.test(f) && !f.endsWith('__init__.py'));
  const scored: { f: string; byName: boolean }[] = [];
  for (const f of inside.slice(0, 400)) {
    const byName = LOSS_FILE.test(f);
    if (byName || LOSS_CODE.test(await read(f))) scored.push({ f, byName });
  }
  const shared = (f: string) => commonPrefix(f.split('/'), near.split('/'));
  scored.sort((a, b) => Number(b.byName) - Number(a.byName) || shared(b.f) - shared(a.f) || a.f.localeCompare(b.f));
  return scored.slice(0, MAX_LOSS_MODULES).map((s) => s.f);
}

/** `a/b/c` → ['a/b/c', 'a/b', 'a'] (no '' for the root). */
function ancestors(dir: string): string[] {
  const out: string[] = [];
  for (let d = dir; d && d !== '.' && d !== '/'; d = posix.dirname(d)) out.push(d);
  return out;
}

function commonPrefix(a: string[], b: string[]): number {
  let n = 0;
  while (n < a.length && n < b.length && a[n] === b[n]) n++;
  return n;
}

function unique<T>(items: T[]): T[] {
  return [...new Set(items)];
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
