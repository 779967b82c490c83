// Which config condition a line of a training script runs under: the if/elif/else chains and
// conditional expressions around it, read as conditions on config keys (`if opt.adam:` → adam is true).
import type { BranchCondition } from '../types';
import { conditionalParts, kids, literal, type PyNode } from './pyast';

/** What the branches need from the scope: the config key an expression is (`args.adam` → `adam`; never `epoch % args.n`). */
export interface ConfigKeys {
  conditionKeyOf(node: PyNode): string | null;
}

/** The condition `node` runs under, or undefined when no branch encloses it (within its function). */
export function branchCondition(node: PyNode, keys: ConfigKeys): BranchCondition | undefined {
  const guards: BranchCondition[] = [];
  for (let child = node, p = node.parent; p; child = p, p = p.parent) {
    if (p.type === 'function_definition' || p.type === 'class_definition' || p.type === 'lambda') break;
    if (p.type === 'block' || p.type === 'expression_statement') continue;
    const guard = guardOf(p, child, keys);
    if (guard && !isMainGuard(guard)) guards.push(guard);
  }
  if (!guards.length) return undefined;
  return guards.length === 1 ? guards[0] : { op: 'and', args: guards.reverse() };
}

/** The condition a branch construct puts on its child, if the child is one of its branches. */
function guardOf(parent: PyNode, child: PyNode, keys: ConfigKeys): BranchCondition | undefined {
  if (parent.type === 'if_statement' || parent.type === 'elif_clause') {
    if (same(parent.childForFieldName('consequence'), child)) return chainGuard(parent, keys);
    return undefined;
  }
  if (parent.type === 'else_clause' && parent.parent?.type === 'if_statement') {
    return not(anyOf(chainConditions(parent.parent).map((c) => conditionOf(c, keys))));
  }
  if (parent.type === 'conditional_expression') {
    const { yes, condition, no } = conditionalParts(parent);
    if (same(yes, child)) return conditionOf(condition, keys);
    if (same(no, child)) return not(conditionOf(condition, keys));
  }
  return undefined;
}

// `elif c2:` runs when c2 holds and no earlier condition of its chain did.
function chainGuard(clause: PyNode, keys: ConfigKeys): BranchCondition {
  const statement = clause.type === 'elif_clause' ? clause.parent! : clause;
  const earlier: BranchCondition[] = [];
  for (const c of chainConditions(statement)) {
    if (same(c.parent, clause)) break;
    earlier.push(conditionOf(c, keys));
  }
  const own = conditionOf(clause.childForFieldName('condition')!, keys);
  return earlier.length ? { op: 'and', args: [not(anyOf(earlier)), own] } : own;
}

/** The conditions of an if statement and its elif clauses, in order. */
function chainConditions(statement: PyNode): PyNode[] {
  const out: PyNode[] = [];
  const first = statement.childForFieldName('condition');
  if (first) out.push(first);
  for (const clause of kids(statement)) {
    const c = clause.type === 'elif_clause' ? clause.childForFieldName('condition') : null;
    if (c) out.push(c);
  }
  return out;
}

/** A Python condition as a condition on config keys; parts that read no config value are `unknown`. */
export function conditionOf(node: PyNode, keys: ConfigKeys): BranchCondition {
  switch (node.type) {
    case 'parenthesized_expression': {
      const inner = kids(node);
      return inner.length === 1 ? conditionOf(inner[0], keys) : unknown(node);
    }
    case 'not_operator':
      return not(conditionOf(node.childForFieldName('argument')!, keys));
    case 'boolean_operator': {
      const op = node.childForFieldName('operator')?.type === 'or' ? 'or' : 'and';
      return { op, args: [conditionOf(node.childForFieldName('left')!, keys), conditionOf(node.childForFieldName('right')!, keys)] };
    }
    case 'comparison_operator':
      return comparison(node, keys);
    default: {
      const key = keys.conditionKeyOf(node);
      return key ? { op: 'truthy', key } : unknown(node);
    }
  }
}

const EQUALITY: Record<string, { negate: boolean }> = { '==': { negate: false }, is: { negate: false }, '!=': { negate: true }, 'is not': { negate: true } };

// `cfg.x == "fp16"`, `args.amp is True`, `"t5" in args.model_name_or_path`, `cfg.opt in ("adam", "adamw")`.
function comparison(node: PyNode, keys: ConfigKeys): BranchCondition {
  const operands = kids(node).filter((k) => k.type !== 'comment');
  const operators = node.children.filter((c): c is PyNode => !!c && !c.isNamed).map((c) => c.type);
  if (operands.length !== 2 || operators.length !== 1) return unknown(node);
  const [a, b] = operands;
  const op = operators[0];
  if (op in EQUALITY) {
    const [key, value] = keyAndLiteral(a, b, keys) ?? keyAndLiteral(b, a, keys) ?? [];
    if (key === undefined) return unknown(node);
    const eq: BranchCondition = { op: 'eq', key, value: value as string | number | boolean | null };
    return EQUALITY[op].negate ? not(eq) : eq;
  }
  if (op === 'in' || op === 'not in') {
    const inside = containment(a, b, keys);
    if (!inside) return unknown(node);
    return op === 'in' ? inside : not(inside);
  }
  return unknown(node);
}

function containment(needle: PyNode, haystack: PyNode, keys: ConfigKeys): BranchCondition | undefined {
  const key = keys.conditionKeyOf(haystack);
  const text = literal(needle);
  if (key && typeof text === 'string') return { op: 'contains', key, value: text };
  // `cfg.optimizer in ("adam", "adamw")`
  const own = keys.conditionKeyOf(needle);
  if (own && (haystack.type === 'tuple' || haystack.type === 'list' || haystack.type === 'set')) {
    const options = kids(haystack).map(literal);
    if (options.every(isScalar)) return anyOf(options.map((value) => ({ op: 'eq', key: own, value: value as string | number | boolean | null })));
  }
  return undefined;
}

function keyAndLiteral(keySide: PyNode, literalSide: PyNode, keys: ConfigKeys): [string, unknown] | undefined {
  const key = keys.conditionKeyOf(keySide);
  const value = literal(literalSide);
  return key && isScalar(value) ? [key, value] : undefined;
}

function isScalar(v: unknown): boolean {
  return v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
}

function not(c: BranchCondition): BranchCondition {
  return c.op === 'not' ? c.arg : { op: 'not', arg: c };
}

function anyOf(cs: BranchCondition[]): BranchCondition {
  return cs.length === 1 ? cs[0] : { op: 'or', args: cs };
}

function unknown(node: PyNode): BranchCondition {
  return { op: 'unknown', text: node.text };
}

// `if __name__ == "__main__":` holds whenever the script is the one that runs: no config condition.
function isMainGuard(c: BranchCondition): boolean {
  return c.op === 'unknown' && /^__name__\s*==\s*["']__main__["']$/.test(c.text.trim());
}

function same(a: PyNode | null | undefined, b: PyNode | null | undefined): boolean {
  return !!a && !!b && a.id === b.id;
}
