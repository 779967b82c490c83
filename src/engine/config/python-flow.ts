// How values move inside a Python file, as far as the hazard finder needs it: each function's local
// assignments and parameters, the `self.x` a class sets, which functions are loss code, and which
// loss terms (`loss_iou`, `loss_ctc`, a returned dict key) a value flows into.
import { callParts, kids, lastName, ofType, stringValue, type PyNode } from './pyast';

export interface Assignment {
  /** `x`, or `self.x`; a subscript target `m[i] = v` is recorded under `m` with `indexed`. */
  name: string;
  value: PyNode;
  /** The assignment or augmented_assignment node. */
  statement: PyNode;
  /** `=`, `/=`, `&=`, `+=` … */
  operator: string;
  indexed: boolean;
  /** `a, b = f(x)`: the target's position in the tuple, the value being the whole right side. */
  unpacked: number | null;
}

export interface PyFunction {
  /** The function_definition, or the module for top-level code. */
  node: PyNode;
  /** Its offsets. */
  start: number;
  end: number;
  name: string;
  /** `BboxLoss.forward`, `bbox_iou`, `<module>`. */
  qualified: string;
  className: string | null;
  /** The class's superclasses as written (`nn.CrossEntropyLoss`). */
  bases: string[];
  /** Parameter name → its default value (null without one). */
  params: Map<string, PyNode | null>;
  assignments: Map<string, Assignment[]>;
  /** Simple names this function calls (`bbox_iou`, `self.assign` → `assign`). */
  calls: Set<string>;
  /** Its own assignments and returns (not those of functions nested in it), in source order. */
  statements: PyNode[];
  /** Why it is loss code: named or classed as a loss, called from one in this file, or it computes one (then only what flows into a loss counts). */
  lossBy: 'name' | 'class' | 'caller' | 'computes' | null;
}

const LOSS_NAME = /loss|criterion|objective|crossentropy|cross_entropy|nll|likelihood|iou|dice|focal|ctc|divergence|hinge|triplet|contrastive/i;
// (margin-softmax heads compute the loss's logits: ArcFace's ArcMarginProduct, CosFace's AddMarginProduct, SphereFace)
const LOSS_CLASS = /Loss|Criterion|Objective|Entropy|Margin|[Aa]rc[Ff]ace|[Cc]os[Ff]ace|Sphere(?:Face|Product)|AMSoftmax/;
// Evaluation, metrics and reporting compute numbers too, but not the loss the optimizer follows.
const NOT_LOSS = /^_*(eval|evaluate|validat|val_|test|predict|infer|metric|accuracy|log_|print|plot|visuali[sz]e|show|summar|report|save|load)/i;
const LOSS_CALL = /loss|criterion|cross_entropy|nll|_with_logits/i;
const MAX_TERMS = 10;
const MAX_FLOW_DEPTH = 4;

export class PythonFlow {
  readonly functions: PyFunction[] = [];
  readonly module: PyFunction;
  /** class name → `self.attr` → values assigned anywhere in the class. */
  private readonly classAttrs = new Map<string, Map<string, Assignment[]>>();
  /** Every call in the file, in source order, and by the simple name they call. */
  readonly allCalls: PyNode[];
  private readonly callsByName = new Map<string, PyNode[]>();
  private readonly termCache = new Map<number, string[]>();

  constructor(readonly root: PyNode) {
    this.module = this.describe(root, '<module>', null, []);
    this.allCalls = [];
    // one walk, in source order: a function comes before what it contains
    for (const node of ofType(root, ['function_definition', 'assignment', 'augmented_assignment', 'return_statement', 'call'])) {
      if (node.type === 'function_definition') {
        const cls = enclosingClass(node);
        const name = node.childForFieldName('name')?.text ?? '<lambda>';
        const superclasses = cls?.childForFieldName('superclasses');
        const bases = superclasses ? kids(superclasses).filter((n) => n.type !== 'keyword_argument' && n.type !== 'comment').map((n) => n.text) : [];
        this.functions.push(this.describe(node, name, cls?.childForFieldName('name')?.text ?? null, bases));
      } else if (node.type === 'call') {
        this.allCalls.push(node);
        const name = lastName(node.childForFieldName('function'));
        if (!name) continue;
        this.functionAt(node).calls.add(name);
        push(this.callsByName, name, node);
      } else {
        this.functionAt(node).statements.push(node);
        if (node.type !== 'return_statement') this.record(node);
      }
    }
    this.markLossCode();
  }

  private describe(node: PyNode, name: string, className: string | null, bases: string[]): PyFunction {
    const params = new Map<string, PyNode | null>();
    const list = node.type === 'function_definition' ? node.childForFieldName('parameters') : null;
    for (const p of list ? kids(list) : []) {
      if (p.type === 'identifier') params.set(p.text, null);
      else if (p.type === 'typed_parameter') params.set(kids(p)[0]?.text ?? '', null);
      else if (p.type === 'default_parameter' || p.type === 'typed_default_parameter') params.set(p.childForFieldName('name')?.text ?? '', p.childForFieldName('value'));
    }
    const span = node.type === 'module' ? { start: -1, end: Infinity } : { start: node.startIndex, end: node.endIndex };
    return { node, ...span, name, qualified: className ? `${className}.${name}` : name, className, bases, params, assignments: new Map(), calls: new Set(), statements: [], lossBy: null };
  }

  private record(node: PyNode): void {
    const left = node.childForFieldName('left');
    const right = node.childForFieldName('right');
    if (!left || !right) return;
    const operator = node.type === 'assignment' ? '=' : (node.childForFieldName('operator')?.type ?? '=');
    const fn = this.functionAt(node);
    const add = (target: PyNode, value: PyNode, unpacked: number | null) => {
      const indexed = target.type === 'subscript';
      const base = indexed ? rootOf(target) : target;
      if (!base || (base.type !== 'identifier' && base.type !== 'attribute')) return;
      const name = base.text;
      const a: Assignment = { name, value, statement: node, operator, indexed, unpacked };
      push(fn.assignments, name, a);
      if (fn.className && name.startsWith('self.')) {
        const attrs = this.classAttrs.get(fn.className) ?? new Map<string, Assignment[]>();
        push(attrs, name, a);
        this.classAttrs.set(fn.className, attrs);
      }
    };
    if (left.type === 'pattern_list' || left.type === 'tuple_pattern') {
      const targets = kids(left);
      const values = right.type === 'expression_list' || right.type === 'tuple' ? kids(right) : null;
      targets.forEach((t, i) => add(t, values && values.length === targets.length ? values[i] : right, values && values.length === targets.length ? null : i));
    } else {
      add(left, right, null);
    }
  }

  /** The innermost function around a node (the module pseudo-function at top level), by offsets: no tree walk. */
  functionAt(node: PyNode): PyFunction {
    const at = node.startIndex;
    let found = this.module;
    // in source order, so the last function that contains the node is the innermost
    for (const fn of this.functions) {
      if (fn.start > at) break;
      if (at > fn.start && at < fn.end) found = fn;
    }
    return found;
  }

  /** Nodes of some types whose innermost function is `fn` (not those of functions nested in it). */
  ownNodes(fn: PyFunction, types: string | string[]): PyNode[] {
    return ofType(fn.node, types).filter((n) => this.functionAt(n) === fn);
  }

  /** Assignments to `name` in `fn`, in source order. */
  assignmentsOf(fn: PyFunction, name: string): Assignment[] {
    return fn.assignments.get(name) ?? [];
  }

  /** The assignments to `name` that come before offset `at` in `fn`, nearest last. */
  assignedBefore(fn: PyFunction, name: string, at: number): Assignment[] {
    return this.assignmentsOf(fn, name).filter((a) => a.statement.endIndex <= at);
  }

  /** What the class around `fn` assigns to `self.attr` (in `__init__` or elsewhere). */
  selfAssignments(fn: PyFunction, attr: string): Assignment[] {
    return (fn.className && this.classAttrs.get(fn.className)?.get(attr)) || [];
  }

  /** A module-level name assigned once (a constant such as `epsilon = 1.0e-9`). */
  moduleConstant(name: string): Assignment | undefined {
    const all = this.module.assignments.get(name) ?? [];
    return all.length === 1 && !all[0].indexed && all[0].unpacked === null ? all[0] : undefined;
  }

  /** The function defined in this file under a simple name (the first one). */
  functionNamed(name: string): PyFunction | undefined {
    return this.functions.find((f) => f.name === name);
  }

  private markLossCode(): void {
    for (const fn of [this.module, ...this.functions]) {
      // evaluation and set-up code compute numbers too, not the loss the optimizer follows
      if ((NOT_LOSS.test(fn.name) && !/loss/i.test(fn.name)) || fn.name === '__init__') continue;
      const lossClass = !!fn.className && (LOSS_CLASS.test(fn.className) || fn.bases.some((b) => LOSS_CLASS.test(b)));
      fn.lossBy = LOSS_NAME.test(fn.name) ? 'name' : lossClass ? 'class' : this.computesLoss(fn) ? 'computes' : null;
    }
    // helpers a loss calls are loss code too (`bbox_iou` from `compute_loss`); a training loop's helpers are not
    for (let changed = true; changed; ) {
      changed = false;
      for (const fn of this.functions) {
        if (fn.lossBy || NOT_LOSS.test(fn.name) || fn.name === '__init__') continue;
        if ([this.module, ...this.functions].some((caller) => caller !== fn && caller.lossBy && caller.lossBy !== 'computes' && caller.calls.has(fn.name))) {
          fn.lossBy = 'caller';
          changed = true;
        }
      }
    }
  }

  /** Whether a value computed in `fn` that flows into `terms` is loss code. */
  isLossCode(fn: PyFunction, terms: string[]): boolean {
    if (fn.lossBy === 'computes') return terms.some((t) => /loss/i.test(t));
    return fn.lossBy !== null;
  }

  private computesLoss(fn: PyFunction): boolean {
    for (const name of fn.assignments.keys()) if (/loss/i.test(name.replace(/^self\./, ''))) return true;
    for (const name of fn.calls) if (LOSS_CALL.test(name)) return true;
    return fn.statements.some((r) => r.type === 'return_statement' && /\bloss/i.test(r.text));
  }

  /**
   * The names a value computed at `node` flows into, nearest first: the assignment target, later
   * assignments that read it, dict keys it is stored under, and for a returned value the targets at
   * the function's call sites in this file.
   */
  termsOf(node: PyNode): string[] {
    const start = statementOf(node);
    const cached = start && this.termCache.get(start.id);
    if (cached) return cached;
    const out: string[] = [];
    const seen = new Set<number>();
    const add = (name: string) => {
      const n = name.replace(/^self\./, '');
      if (n && !out.includes(n) && out.length < MAX_TERMS) out.push(n);
    };
    const visit = (statement: PyNode | null, depth: number): void => {
      if (!statement || seen.has(statement.id) || depth > MAX_FLOW_DEPTH || out.length >= MAX_TERMS) return;
      seen.add(statement.id);
      const fn = this.functionAt(statement);
      if (statement.type === 'return_statement') {
        if (fn !== this.module) this.returned(fn, depth, add, visit);
        return;
      }
      if (statement.type !== 'assignment' && statement.type !== 'augmented_assignment') return;
      const left = statement.childForFieldName('left');
      const targets = left ? (left.type === 'pattern_list' || left.type === 'tuple_pattern' ? kids(left) : [left]) : [];
      for (const t of targets) {
        const base = t.type === 'subscript' ? rootOf(t) : t;
        if (!base) continue;
        add(base.text);
        this.flowFrom(fn, base.text, statement.endIndex, depth, add, visit);
        // `self.criterion = nn.CTCLoss(…)`: what its calls in the class's methods compute
        if (base.text.startsWith('self.') && fn.className) {
          const attr = base.text.slice('self.'.length);
          for (const call of this.callsByName.get(attr) ?? []) {
            if (call.childForFieldName('function')?.text === base.text && this.functionAt(call).className === fn.className) visit(statementOf(call), depth + 1);
          }
        }
      }
    };
    visit(start, 0);
    if (start) this.termCache.set(start.id, out);
    return out;
  }

  private returned(fn: PyFunction, depth: number, add: (n: string) => void, visit: (s: PyNode | null, d: number) => void): void {
    if (LOSS_NAME.test(fn.name)) add(fn.name);
    if (fn.name === 'forward' || fn.name === '__call__') return;
    for (const call of this.callsByName.get(fn.name) ?? []) visit(statementOf(call), depth + 1);
  }

  /** Statements after `after` in `fn` that read `name`: their targets, and dict keys it is stored under. */
  private flowFrom(fn: PyFunction, name: string, after: number, depth: number, add: (n: string) => void, visit: (s: PyNode | null, d: number) => void): void {
    for (const statement of fn.statements) {
      if (statement.startIndex < after) continue;
      const read = statement.type === 'return_statement' ? statement : statement.childForFieldName('right');
      // the text first: walking the tree of every later statement is what costs
      if (!read || !read.text.includes(name)) continue;
      // a value flows on where it is computed with, not where it only indexes (`tw[best_n] = …`)
      const uses = ofType(read, ['identifier', 'attribute']).filter((n) => n.text === name && !isAttributeField(n) && !isIndex(n));
      if (!uses.length) continue;
      for (const use of uses) {
        const key = storedUnder(use);
        if (key) add(key);
      }
      visit(statement, depth + 1);
    }
  }
}

function isAttributeField(n: PyNode): boolean {
  return n.parent?.type === 'attribute' && n.parent.childForFieldName('attribute')?.id === n.id;
}

function isIndex(n: PyNode): boolean {
  for (let p: PyNode | null = n; p?.parent; p = p.parent) {
    if (p.parent.type === 'subscript' && p.parent.childForFieldName('value')?.id !== p.id) return true;
    if (p.parent.type === 'assignment' || p.parent.type === 'block') return false;
  }
  return false;
}

/** `loss_ctc` in `dict(loss_ctc=x)` or `{'loss_ctc': x}` for a use `x`. */
function storedUnder(use: PyNode): string | null {
  const parent = use.parent;
  if (parent?.type === 'keyword_argument' && parent.childForFieldName('value')?.id === use.id) {
    const call = parent.parent?.parent;
    if (call?.type === 'call' && callParts(call).name === 'dict') return parent.childForFieldName('name')?.text ?? null;
  }
  if (parent?.type === 'pair' && parent.childForFieldName('value')?.id === use.id) {
    const key = parent.childForFieldName('key');
    return key ? stringValue(key) : null;
  }
  return null;
}

/** The statement a node belongs to for data flow: its innermost assignment or return, else its block-level statement. */
export function statementOf(node: PyNode): PyNode | null {
  for (let p: PyNode | null = node; p; p = p.parent) {
    if (p.type === 'assignment' || p.type === 'augmented_assignment' || p.type === 'return_statement') return p;
    if (p.parent?.type === 'block' || p.parent?.type === 'module') return p;
  }
  return null;
}

/** `m` for `m[i][j]`, `self.m` for `self.m[i]`. */
export function rootOf(node: PyNode): PyNode | null {
  let n: PyNode | null = node;
  while (n && n.type === 'subscript') n = n.childForFieldName('value');
  return n;
}

function enclosingClass(def: PyNode): PyNode | null {
  const p = def.parent?.type === 'block' ? def.parent.parent : def.parent?.type === 'decorated_definition' ? def.parent.parent?.parent : null;
  return p?.type === 'class_definition' ? p : null;
}

function push<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
