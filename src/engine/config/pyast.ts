// Small helpers over tree-sitter Python nodes: literals, call names, keyword arguments.
import type { Node } from 'web-tree-sitter';

export type PyNode = Node;

/** The named children of a node, without nulls. */
export function kids(node: PyNode): PyNode[] {
  return node.namedChildren.filter((n): n is PyNode => n !== null);
}

/** `(expr)` → expr (a comment inside is no part of it). */
export function unparen(node: PyNode): PyNode {
  if (node.type !== 'parenthesized_expression') return node;
  const inner = kids(node).filter((k) => k.type !== 'comment');
  return inner.length === 1 ? unparen(inner[0]) : node;
}

/** `a if c else b` → its three parts (a comment between them is no part). */
export function conditionalParts(node: PyNode): { yes: PyNode; condition: PyNode; no: PyNode } {
  const [yes, condition, no] = kids(node).filter((k) => k.type !== 'comment');
  return { yes, condition, no };
}

/** Every descendant (node included), depth first. */
export function* walk(node: PyNode): Generator<PyNode> {
  yield node;
  for (const child of kids(node)) yield* walk(child);
}

/** Descendants of some types in source order (tree-sitter's own search: far faster than walking from JS). */
export function ofType(node: PyNode, types: string | string[]): PyNode[] {
  return node.descendantsOfType(types).filter((n): n is PyNode => n !== null);
}

/** `torch.optim.AdamW` → `AdamW`; `optimizer_cls` → `optimizer_cls`. */
export function lastName(node: PyNode | null): string | null {
  if (!node) return null;
  if (node.type === 'identifier') return node.text;
  if (node.type === 'attribute') return node.childForFieldName('attribute')?.text ?? null;
  return null;
}

export interface CallParts {
  callee: PyNode;
  name: string | null;
  positional: PyNode[];
  keywords: Map<string, PyNode>;
}

export function callParts(call: PyNode): CallParts {
  const callee = call.childForFieldName('function')!;
  const args = call.childForFieldName('arguments');
  const positional: PyNode[] = [];
  const keywords = new Map<string, PyNode>();
  for (const arg of args ? kids(args) : []) {
    if (arg.type === 'keyword_argument') {
      const name = arg.childForFieldName('name')?.text;
      const value = arg.childForFieldName('value');
      if (name && value) keywords.set(name, value);
    } else if (arg.type !== 'comment' && arg.type !== 'list_splat' && arg.type !== 'dictionary_splat') {
      positional.push(arg);
    }
  }
  return { callee, name: lastName(callee), positional, keywords };
}

const NOT_LITERAL = Symbol('not a literal');

/** The value of a literal (number, string, bool, None, -number), else NOT_LITERAL. */
export function literal(node: PyNode): unknown {
  switch (node.type) {
    case 'integer':
      return Number(node.text.replace(/_/g, '').replace(/[lL]$/, ''));
    case 'float':
      return Number(node.text.replace(/_/g, '').replace(/[jJ]$/, ''));
    case 'true':
      return true;
    case 'false':
      return false;
    case 'none':
      return null;
    case 'string':
      return stringValue(node) ?? NOT_LITERAL;
    case 'concatenated_string': {
      const parts = kids(node).map(stringValue);
      return parts.every((p) => p !== null) ? parts.join('') : NOT_LITERAL;
    }
    case 'unary_operator': {
      const v = literal(node.childForFieldName('argument')!);
      if (typeof v !== 'number') return NOT_LITERAL;
      return node.text.trimStart().startsWith('-') ? -v : v;
    }
    case 'binary_operator': {
      // Constant arithmetic such as `2.0**16` or `1e-4 * 8` is still a literal setting.
      const a = literal(node.childForFieldName('left')!);
      const b = literal(node.childForFieldName('right')!);
      if (typeof a !== 'number' || typeof b !== 'number') return NOT_LITERAL;
      const op = node.childForFieldName('operator')?.type;
      if (op === '**') return a ** b;
      if (op === '*') return a * b;
      if (op === '/') return a / b;
      if (op === '+') return a + b;
      if (op === '-') return a - b;
      return NOT_LITERAL;
    }
    case 'parenthesized_expression': {
      const inner = kids(node);
      return inner.length === 1 ? literal(inner[0]) : NOT_LITERAL;
    }
    default:
      return NOT_LITERAL;
  }
}

export function isLiteral(node: PyNode): boolean {
  return literal(node) !== NOT_LITERAL;
}

/** The contents of a plain string literal; null for f-strings with interpolation. */
export function stringValue(node: PyNode): string | null {
  if (node.type !== 'string') return null;
  let out = '';
  for (const part of kids(node)) {
    if (part.type === 'interpolation') return null;
    if (part.type === 'string_content' || part.type === 'escape_sequence') out += part.text;
  }
  return out;
}

/** First line of a construct, whitespace collapsed, for a fact's `text`. */
export function oneLine(text: string): string {
  const first = text.split('\n')[0].trim();
  return first.length < text.trim().length ? first.replace(/\s+/g, ' ') + ' …' : first.replace(/\s+/g, ' ');
}
