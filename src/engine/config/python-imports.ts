// The code a run's training scripts and configs lead to: the local modules a script imports (through a
// package's __init__ to the module that defines the imported name), and the files that define the loss
// classes a config names (`loss_bbox=dict(type='RotatedIoULoss')`). Text only, so discovery stays cheap.
import { dirname, posix } from 'node:path';

export interface CodeFile {
  rel: string;
  why: string;
}

export interface CodeTree {
  /** Every Python file under the root, relative and `/`-separated. */
  pythonFiles: string[];
  read(rel: string): Promise<string>;
}

const MAX_PER_SCRIPT = 8;
const MAX_CLASS_FILES = 4;
// Files read looking for a class: those with `loss` in their path, then this many others.
const MAX_OTHER_READS = 300;

/** `from a.b import C, D` / `from .b import C` / `import a.b` in a Python source: module and names. */
export function importsOf(text: string): { module: string; names: string[] }[] {
  const out: { module: string; names: string[] }[] = [];
  const source = text.replace(/\(\s*([^)]*?)\s*\)/gs, (_, inner: string) => inner.replace(/\s+/g, ' '));
  for (const line of source.split('\n')) {
    const from = /^\s*from\s+(\.*[\w.]*)\s+import\s+(.+)$/.exec(line);
    if (from) {
      const names = from[2].split(',').map((n) => n.trim().split(/\s+as\s+/)[0].trim()).filter((n) => /^\w+$/.test(n));
      out.push({ module: from[1], names });
      continue;
    }
    const plain = /^\s*import\s+([\w.]+)/.exec(line);
    if (plain) out.push({ module: plain[1], names: [] });
  }
  return out;
}

/** The file a module name is, seen from a file: `imagen_pytorch` → `imagen_pytorch/__init__.py`, `.t5` → `pkg/t5.py`. */
function resolve(module: string, fromFile: string, files: Set<string>): string | null {
  const dots = /^\.*/.exec(module)![0].length;
  const rest = module.slice(dots).replace(/\./g, '/');
  const bases: string[] = [];
  if (dots) {
    let dir = dirname(fromFile);
    for (let i = 1; i < dots; i++) dir = dirname(dir);
    bases.push(dir === '.' ? rest : posix.join(dir, rest));
  } else {
    // absolute imports resolve from the root, or from the script's folder (a script run from its own directory)
    bases.push(rest);
    let dir = dirname(fromFile);
    while (dir !== '.' && dir !== '/') {
      bases.push(posix.join(dir, rest));
      dir = dirname(dir);
    }
  }
  for (const b of bases) {
    if (!b) continue;
    if (files.has(`${b}.py`)) return `${b}.py`;
    if (files.has(`${b}/__init__.py`)) return `${b}/__init__.py`;
  }
  return null;
}

/** The local modules a script imports, following a package's __init__ to the modules that define the imported names. */
export async function importedModules(script: string, tree: CodeTree): Promise<CodeFile[]> {
  const files = new Set(tree.pythonFiles);
  const out: CodeFile[] = [];
  const add = (rel: string, why: string) => {
    if (rel !== script && !rel.endsWith('__init__.py') && !out.some((c) => c.rel === rel) && out.length < MAX_PER_SCRIPT) out.push({ rel, why });
  };
  for (const { module, names } of importsOf(await tree.read(script))) {
    const target = resolve(module, script, files);
    if (!target) {
      // `from pkg import module` where module is a file of pkg
      for (const n of names) {
        const sub = resolve(`${module}.${n}`, script, files);
        if (sub) add(sub, `${script} imports it`);
      }
      continue;
    }
    if (!target.endsWith('__init__.py')) {
      add(target, `${script} imports it`);
      continue;
    }
    // a package: the modules its __init__ takes the imported names from
    for (const inner of importsOf(await tree.read(target))) {
      if (names.length && !inner.names.some((n) => names.includes(n))) continue;
      const sub = resolve(inner.module, target, files);
      if (sub) add(sub, `${script} imports ${inner.names.filter((n) => names.includes(n)).join(', ') || inner.module} from it`);
    }
    for (const n of names) {
      const sub = resolve(`${module}.${n}`, script, files);
      if (sub) add(sub, `${script} imports it`);
    }
  }
  return out;
}

/** Loss classes a config names: `loss_bbox=dict(type='RotatedIoULoss')`, `loss_cls: {type: mmdet.FocalLoss}`. */
export function lossClassesOf(text: string): string[] {
  const out = new Set<string>();
  for (const m of text.matchAll(/\b(loss_\w+)\s*[=:]\s*(?:dict\(\s*|\{\s*)type\s*[=:]\s*['"]?(?:\w+\.)?(\w+)/g)) out.add(m[2]);
  return [...out];
}

/** The files that define these classes (`class RotatedIoULoss(`), files with `loss` in their path read first. */
export async function classFiles(classes: string[], tree: CodeTree): Promise<CodeFile[]> {
  if (!classes.length) return [];
  const out: CodeFile[] = [];
  const named = tree.pythonFiles.filter((f) => /loss/i.test(f));
  const ordered = [...named, ...tree.pythonFiles.filter((f) => !/loss/i.test(f)).slice(0, MAX_OTHER_READS)];
  const wanted = new RegExp(`^class\\s+(${classes.map((c) => c.replace(/\W/g, '')).join('|')})\\b`, 'm');
  for (const rel of ordered) {
    if (out.length >= MAX_CLASS_FILES) break;
    const m = wanted.exec(await tree.read(rel));
    if (m) out.push({ rel, why: `it defines ${m[1]}, which the config names as a loss` });
  }
  return out;
}
