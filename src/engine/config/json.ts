// JSON / JSONC locator (DeepSpeed, HF TrainingArguments, accelerate JSON): comments and trailing commas allowed.
import { parseTree, printParseErrorCode, type Node, type ParseError } from 'jsonc-parser/lib/esm/main.js';
import type { LocatedFile, LocatedValue } from '../types';
import { joinKey, LineIndex } from './text';

export function locateJson(file: string, text: string): LocatedFile {
  const index = new LineIndex(text);
  const errors: ParseError[] = [];
  const root = parseTree(text, errors, { allowTrailingComma: true, disallowComments: false, allowEmptyContent: true });
  const result: LocatedFile = { file, language: 'json', values: [], facts: [] };
  if (errors.length) {
    const parts = errors.slice(0, 3).map((e) => `line ${index.lineNumber(e.offset)}: ${describe(printParseErrorCode(e.error))}`);
    result.error = `invalid JSON in ${file}: ${parts.join('; ')}`;
  }
  if (!root) return result;
  // trainer_state.json is training output (log_history), not a config: nothing in it is a setting to fix.
  if (isTrainerState(file, root)) return result;
  visit(root, '', undefined, result.values, index, file);
  return result;
}

function visit(node: Node, path: string, keyStart: number | undefined, out: LocatedValue[], index: LineIndex, file: string): void {
  if (node.type === 'object') {
    // A key written twice takes its last value, as JSON.parse and Python's json do.
    const props = (node.children ?? []).filter((p) => p.children?.[0] && p.children[1]);
    const last = new Map(props.map((p, i) => [String(p.children![0].value), i]));
    props.forEach((prop, i) => {
      const [key, value] = prop.children!;
      if (last.get(String(key.value)) === i) visit(value, joinKey(path, String(key.value)), key.offset, out, index, file);
    });
    return;
  }
  if (node.type === 'array') {
    (node.children ?? []).forEach((item, i) => visit(item, `${path}[${i}]`, undefined, out, index, file));
    return;
  }
  if (!path) return;
  const start = node.offset;
  const end = node.offset + node.length;
  out.push(index.located(file, path, node.value, start, end, 'json', keyStart));
}

function isTrainerState(file: string, root: Node): boolean {
  if (/(^|[\\/])trainer_state\.json$/.test(file)) return true;
  return root.type === 'object' && (root.children ?? []).some((p) => p.children?.[0]?.value === 'log_history');
}

function describe(code: string): string {
  return code.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
}
