// YAML locator: every scalar with the exact range of its value text; aliases and merge keys
// point at the place the value is written, so a fix edits the anchor, not the alias.
import { isAlias, isMap, isScalar, isSeq, parseAllDocuments, type Document, type Node, type Pair } from 'yaml';
import type { LocatedFile, LocatedValue } from '../types';
import { joinKey, LineIndex } from './text';

export function locateYaml(file: string, text: string): LocatedFile {
  const index = new LineIndex(text);
  const values: LocatedValue[] = [];
  const errors: string[] = [];
  for (const doc of parseAllDocuments(text, { uniqueKeys: false, prettyErrors: false })) {
    for (const e of doc.errors) errors.push(`line ${index.lineNumber(e.pos[0])}: ${firstLine(e.message)}`);
    visit(doc, doc.contents as Node | null, '', undefined, values, index, file, new Set());
  }
  const result: LocatedFile = { file, language: 'yaml', values: resolveInterpolations(values), facts: [] };
  if (errors.length) result.error = `invalid YAML in ${file}: ${errors.slice(0, 3).join('; ')}`;
  return result;
}

function visit(
  doc: Document,
  node: Node | null | undefined,
  path: string,
  keyStart: number | undefined,
  out: LocatedValue[],
  index: LineIndex,
  file: string,
  seen: Set<Node>,
): void {
  if (!node) return;
  if (isAlias(node)) {
    const target = node.resolve(doc) as Node | undefined;
    // An alias to an enclosing node would loop forever.
    if (!target || seen.has(target)) return;
    seen.add(target);
    visit(doc, target, path, undefined, out, index, file, seen);
    seen.delete(target);
    return;
  }
  if (isScalar(node)) {
    if (!node.range || !path) return;
    const [start, end] = node.range;
    out.push(index.located(file, path, node.value, start, end, 'yaml', keyStart));
    return;
  }
  if (isSeq(node)) {
    node.items.forEach((item, i) => visit(doc, item as Node, `${path}[${i}]`, undefined, out, index, file, seen));
    return;
  }
  if (isMap(node)) {
    const pairs = node.items as Pair<Node, Node>[];
    const explicit = new Set(pairs.filter((p) => !isMerge(p)).map((p) => keyName(p)));
    // A key written twice takes its last value, as YAML loaders do; the earlier one is not the setting.
    const last = new Map(pairs.map((p, i) => [keyName(p), i]));
    pairs.forEach((pair, i) => {
      if (isMerge(pair)) visitMerge(doc, pair.value, path, explicit, out, index, file, seen);
      else if (last.get(keyName(pair)) === i) visit(doc, pair.value, joinKey(path, keyName(pair)), pair.key?.range?.[0], out, index, file, seen);
    });
  }
}

// `<<: *base` or `<<: [*a, *b]`: the merged keys appear under this path unless written here too.
function visitMerge(
  doc: Document,
  value: Node | null,
  path: string,
  explicit: Set<string>,
  out: LocatedValue[],
  index: LineIndex,
  file: string,
  seen: Set<Node>,
): void {
  const sources = isSeq(value) ? (value.items as Node[]) : [value];
  const merged = new Set(explicit);
  for (const source of sources) {
    const target = isAlias(source) ? (source.resolve(doc) as Node | undefined) : source;
    if (!isMap(target) || seen.has(target)) continue;
    seen.add(target);
    for (const pair of target.items as Pair<Node, Node>[]) {
      const key = keyName(pair);
      if (isMerge(pair) || merged.has(key)) continue;
      merged.add(key);
      visit(doc, pair.value, joinKey(path, key), undefined, out, index, file, seen);
    }
    seen.delete(target);
  }
}

function isMerge(pair: Pair<Node, Node>): boolean {
  return isScalar(pair.key) && pair.key.value === '<<';
}

function keyName(pair: Pair<Node, Node>): string {
  return isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
}

function firstLine(message: string): string {
  return message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
}

// OmegaConf/Hydra `lr: ${solver.learning_rate}` is the value written at solver.learning_rate: report it there.
function resolveInterpolations(values: LocatedValue[]): LocatedValue[] {
  const byPath = new Map(values.map((v) => [v.keyPath, v]));
  const target = (v: LocatedValue, depth: number): LocatedValue | undefined => {
    const ref = typeof v.value === 'string' ? /^\$\{([\w.[\]-]+)\}$/.exec(v.value) : null;
    if (!ref) return depth ? v : undefined;
    const next = byPath.get(ref[1]);
    return next && depth < 8 ? target(next, depth + 1) : undefined;
  };
  return values.map((v) => {
    const t = target(v, 0);
    if (!t) return v;
    const { keyRange: _written, ...at } = t;
    return { ...at, keyPath: v.keyPath, key: v.key };
  });
}
