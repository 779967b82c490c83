// What a training script's names stand for: config objects (`cfg`, `args`), modules, the
// variables assigned along the way, and which modules' parameters reach the optimizer.
import type { BranchCondition } from '../types';
import { branchCondition } from './python-branches';
import { callParts, conditionalParts, unparen, kids, lastName, literal, ofType, stringValue, walk, type CallParts, type PyNode } from './pyast';

export const OPTIMIZERS =
  /^(Adam|AdamW|SGD|RMSprop|Adagrad|Adadelta|Adamax|NAdam|Nadam|RAdam|SparseAdam|ASGD|Rprop|LBFGS|Lion|LAMB|Lamb|Adafactor|FusedAdam|FusedLAMB|DeepSpeedCPUAdam|AdamW8bit|Adam8bit|PagedAdamW|PagedAdamW8bit|PagedAdamW32bit|Lion8bit|AdamWeightDecay|Ftrl|Prodigy|CAME|Sophia|Muon)$/;
// (`_C` / `__C`: the yacs and EasyDict default files' conventional root, `_C.SOLVER.BASE_LR = 0.001`)
const CONFIG_NAMES = /^(cfg|config|conf|args|opt|opts|hparams|hp|FLAGS|flags|training_args|train_args|train_cfg|train_config|cli_args|_C|__C)$/;
// Constructors of config objects that a file then fills by attribute (`__C = edict()`, `_C = CN()`).
const CONFIG_OBJECTS = /^(CN|CfgNode|edict|EasyDict|ConfigDict|AttrDict)$/;
const CONFIG_LOADERS = /^(load|safe_load|full_load|parse_args|parse_known_args|fromfile|from_file|load_config|get_config|create|merge|to_container|structured)$/;
const MODULE_METHODS = /^(parameters|named_parameters|requires_grad_|train|eval|state_dict|load_state_dict|enable_gradient_checkpointing|enable_xformers_memory_efficient_attention)$/;

export interface ModuleInfo {
  name: string;
  trainable: boolean;
  evidence: string | null;
}

export interface DtypeChoice {
  dtype: string;
  when: string | null;
  configKey: string | null;
  configValue: unknown;
  /** The whole condition this choice is made under, for checking against the run's config. */
  condition?: BranchCondition;
  /** `getattr(torch, cfg.dtype)`: the dtype is the config value of this key. */
  fromKey?: string;
}

/** An optimizer class a variable may hold, with the config condition it is chosen under. */
export interface ClassChoice {
  class: string;
  when?: BranchCondition;
}

/** Something a script does to a module's parameters, in source order. */
interface ParameterEvent {
  kind: 'trainable' | 'frozen' | 'upcast';
  at: number;
  evidence: string;
  line: number;
}

export class PythonScope {
  private readonly assignments = new Map<string, PyNode[]>();
  private readonly configRoots = new Set<string>();
  private readonly modules = new Set<string>();
  private readonly grad = new Map<string, boolean>();
  private readonly optimized = new Set<string>();
  private readonly events = new Map<string, ParameterEvent[]>();

  /** Every call in the file, in source order. */
  readonly calls: PyNode[];

  constructor(private readonly root: PyNode) {
    for (const node of ofType(root, 'assignment')) this.assignment(node);
    this.calls = ofType(root, 'call');
    for (const node of this.calls) this.moduleUse(node);
    for (const node of ofType(root, 'for_statement')) this.parameterLoop(node);
    for (const node of this.calls) this.upcastCall(node);
    for (const node of this.calls) {
      const parts = callParts(node);
      if (!this.optimizerClass(parts)) continue;
      const params = parts.keywords.get('params') ?? parts.positional[0];
      if (params) for (const m of this.modulesIn(params)) this.optimized.add(m);
    }
  }

  private assignment(node: PyNode): void {
    const left = node.childForFieldName('left');
    const right = node.childForFieldName('right');
    if (!left || !right) return;
    // `a, b = x, y` pairs up; `net, optimizer = accelerator.prepare(net, optimizer)` says nothing about either.
    let pairs: [PyNode, PyNode][] = [];
    if (left.type === 'identifier') pairs = [[left, right]];
    else if ((left.type === 'pattern_list' || left.type === 'tuple_pattern') && right.type === 'expression_list') {
      const targets = kids(left);
      const values = kids(right);
      if (targets.length === values.length) pairs = targets.map((t, i) => [t, values[i]]);
    }
    for (const [target, value] of pairs) {
      if (target.type !== 'identifier') continue;
      const list = this.assignments.get(target.text) ?? [];
      list.push(value);
      this.assignments.set(target.text, list);
      if (value.type === 'call') {
        const name = callParts(value).name ?? '';
        if (CONFIG_LOADERS.test(name) && /OmegaConf|yaml|parse|Config|config|json|toml/i.test(value.text)) this.configRoots.add(target.text);
        if (CONFIG_OBJECTS.test(name)) this.configRoots.add(target.text);
        if (isModuleConstructor(name)) this.modules.add(target.text);
      }
    }
  }

  private moduleUse(node: PyNode): void {
    const parts = callParts(node);
    const receiver = parts.callee.childForFieldName('object');
    if (!receiver || !parts.name || !MODULE_METHODS.test(parts.name)) return;
    if (receiver.type !== 'identifier' && receiver.type !== 'attribute') return;
    this.modules.add(receiver.text);
    if (parts.name === 'requires_grad_') {
      const flag = parts.positional[0] ?? parts.keywords.get('requires_grad');
      const on = !flag || flag.text === 'True';
      this.grad.set(receiver.text, on);
      this.event(receiver.text, on ? 'trainable' : 'frozen', node, node.text);
    }
  }

  private event(module: string, kind: ParameterEvent['kind'], node: PyNode, evidence: string): void {
    const list = this.events.get(module) ?? [];
    list.push({ kind, at: node.startIndex, evidence: evidence.split('\n')[0].trim(), line: node.startPosition.row + 1 });
    this.events.set(module, list);
  }

  // `for n, p in unet.named_parameters(): if "to_out" in n: p.requires_grad = True` makes part of unet trainable;
  // `p.data = p.to(torch.float32)` there keeps those parameters in fp32. `for m in (a, b): m.requires_grad_(True)` is a and b.
  private parameterLoop(loop: PyNode): void {
    const left = loop.childForFieldName('left');
    const right = loop.childForFieldName('right');
    const body = loop.childForFieldName('body');
    if (!left || !right || !body) return;
    const variable = left.type === 'identifier' ? left.text : kids(left).at(-1)?.text;
    if (!variable) return;
    const source = right.type === 'call' ? callParts(right) : null;
    const owner = source && /^(parameters|named_parameters)$/.test(source.name ?? '') ? source.callee.childForFieldName('object') : null;
    if (owner && (owner.type === 'identifier' || owner.type === 'attribute')) {
      this.modules.add(owner.text);
      // some parameters made trainable and the rest frozen is a partly trainable module
      const marks: { on: boolean; node: PyNode }[] = [];
      for (const node of ofType(body, 'assignment')) {
        const target = node.childForFieldName('left');
        const value = node.childForFieldName('right');
        if (!target || !value) continue;
        if (target.text === `${variable}.requires_grad`) marks.push({ on: value.text === 'True', node });
        else if (target.text === `${variable}.data` && FP32_CAST.test(value.text)) this.event(owner.text, 'upcast', node, node.text);
      }
      for (const call of ofType(body, 'call')) {
        const parts = callParts(call);
        if (parts.name === 'requires_grad_' && parts.callee.childForFieldName('object')?.text === variable) marks.push({ on: parts.positional[0]?.text !== 'False', node: call });
      }
      const mark = marks.find((m) => m.on) ?? marks[0];
      if (mark) this.event(owner.text, mark.on ? 'trainable' : 'frozen', mark.node, mark.node.text);
      return;
    }
    const members = this.listMembers(right);
    if (!members.length) return;
    for (const call of ofType(body, 'call')) {
      const parts = callParts(call);
      if (parts.name !== 'requires_grad_' || parts.callee.childForFieldName('object')?.text !== variable) continue;
      const on = parts.positional[0]?.text !== 'False';
      for (const m of members) {
        this.modules.add(m);
        this.grad.set(m, on);
        this.event(m, on ? 'trainable' : 'frozen', call, `${loop.text.split('\n')[0].trim()} ${call.text}`);
      }
    }
  }

  /** The names in a tuple/list of modules, directly or through a variable: `(unet, text_encoder)`, `models`. */
  private listMembers(node: PyNode, depth = 0): string[] {
    if (node.type === 'tuple' || node.type === 'list') return kids(node).filter((k) => k.type === 'identifier' || k.type === 'attribute').map((k) => k.text);
    if (node.type === 'identifier' && depth < 2) return this.assignedValues(node.text).flatMap((v) => this.listMembers(v, depth + 1));
    return [];
  }

  // diffusers' `cast_training_params(models, dtype=torch.float32)` puts the trainable parameters back in fp32.
  private upcastCall(node: PyNode): void {
    const parts = callParts(node);
    if (parts.name !== 'cast_training_params') return;
    const dtype = parts.keywords.get('dtype');
    if (dtype && !FP32_CAST.test(dtype.text)) return;
    const target = parts.positional[0] ?? parts.keywords.get('model');
    if (!target) return;
    const members = this.listMembers(target);
    for (const m of members.length ? members : [target.text]) this.event(m, 'upcast', node, node.text);
  }

  assignedValues(name: string): PyNode[] {
    return this.assignments.get(name) ?? [];
  }

  optimizerClass(parts: CallParts): string | null {
    // `optimizer_cls = torch.optim.AdamW` (or bnb.optim.AdamW8bit) … `optimizer_cls(params, lr=…)`
    return this.optimizerClasses(parts).at(-1) ?? null;
  }

  /** Every class an optimizer variable may hold, in source order (`bnb.optim.AdamW8bit`, then `torch.optim.AdamW`). */
  optimizerClasses(parts: CallParts): string[] {
    return this.optimizerChoices(parts).map((c) => c.class);
  }

  /**
   * The classes an optimizer call may construct, each with the config condition it is chosen under:
   * `if cfg.use_8bit_adam: cls = bnb.optim.AdamW8bit else: cls = torch.optim.AdamW`, `A if args.offload else B`.
   */
  optimizerChoices(parts: CallParts): ClassChoice[] {
    if (parts.name && OPTIMIZERS.test(parts.name)) return [{ class: parts.name }];
    if (parts.callee.type !== 'identifier') return [];
    const out: ClassChoice[] = [];
    for (const rhs of this.assignedValues(parts.callee.text)) {
      for (const option of alternatives(rhs)) {
        const name = lastName(option);
        if (!name || !OPTIMIZERS.test(name)) continue;
        const when = branchCondition(option, this);
        out.push(when ? { class: name, when } : { class: name });
      }
    }
    return out;
  }

  private isConfigRoot(segments: string[]): number {
    if (segments.length > 1 && (CONFIG_NAMES.test(segments[0]) || this.configRoots.has(segments[0]))) return 1;
    if (segments.length > 2 && segments[0] === 'self' && CONFIG_NAMES.test(segments[1])) return 2;
    return 0;
  }

  /** `cfg.solver.learning_rate` → `solver.learning_rate`, following variables and int()/float() wrappers. */
  configKeyOf(node: PyNode, depth = 0): string | null {
    const direct = this.directConfigKey(node);
    if (direct) return direct;
    if (depth > 3) return null;
    switch (node.type) {
      case 'identifier':
        for (const rhs of this.assignedValues(node.text)) {
          const key = this.configKeyOf(rhs, depth + 1);
          if (key) return key;
        }
        return null;
      case 'call': {
        const parts = callParts(node);
        if (/^(int|float|str|bool|eval)$/.test(parts.name ?? '') && parts.positional[0]) return this.configKeyOf(parts.positional[0], depth + 1);
        return null;
      }
      case 'binary_operator':
      case 'parenthesized_expression':
      case 'conditional_expression':
      case 'boolean_operator':
      case 'unary_operator':
        // Structure, not indirection: `cfg.solver.learning_rate * accelerator.num_processes` reads the first operand's key.
        for (const child of kids(node)) {
          const key = this.configKeyOf(child, depth);
          if (key) return key;
        }
        return null;
      default:
        return null;
    }
  }

  /**
   * The config key an expression is, as a condition compares it: `cfg.a`, `args.b`, `int(args.n)`, a variable every
   * assignment of which is one key. Never an expression that merely contains one (`epoch % args.validation_epochs`).
   */
  conditionKeyOf(node: PyNode, depth = 0): string | null {
    const n = unparen(node);
    if (n.type === 'attribute' || n.type === 'subscript') return this.directConfigKey(n);
    if (n.type === 'call') {
      const parts = callParts(n);
      return /^(int|float|str|bool)$/.test(parts.name ?? '') && parts.positional[0] ? this.conditionKeyOf(parts.positional[0], depth) : null;
    }
    if (n.type !== 'identifier' || depth > 2) return null;
    const keys = this.assignedValues(n.text).map((v) => this.conditionKeyOf(v, depth + 1));
    return keys.length && keys.every((k) => k !== null && k === keys[0]) ? keys[0] : null;
  }

  /** The config key an attribute/subscript chain reads, without following variables. */
  directConfigKey(node: PyNode): string | null {
    const segments = chain(node);
    if (!segments) return null;
    // `accelerator.mixed_precision` is the accelerate config's / launch flag's `mixed_precision`.
    if (segments.at(-1) === 'mixed_precision' && /^accelerator$/.test(segments[0])) return 'mixed_precision';
    const skip = this.isConfigRoot(segments);
    return skip ? segments.slice(skip).join('.') : null;
  }

  /** Every place the script reads a config key (`cfg.a.b`, `args.lr`, `cfg["a"]["b"]`). */
  configReads(): { keyPath: string; node: PyNode }[] {
    const out: { keyPath: string; node: PyNode }[] = [];
    for (const node of ofType(this.root, ['attribute', 'subscript'])) {
      const parent = node.parent;
      if (parent && (parent.type === 'attribute' || parent.type === 'subscript') && parent.namedChildren[0]?.id === node.id) continue;
      // `cfg.solver.get(...)` / `args.name.lower()`: the read is the object, not the method.
      const isCallee = parent?.type === 'call' && parent.childForFieldName('function')?.id === node.id;
      const target = isCallee && node.type === 'attribute' ? node.childForFieldName('object') : node;
      const key = target && this.directConfigKey(target);
      if (key && target) out.push({ keyPath: key, node: target });
    }
    return out;
  }

  /** Modules whose parameters an optimizer `params` expression takes, through variables. */
  modulesIn(expr: PyNode, seen = new Set<string>()): Set<string> {
    const out = new Set<string>();
    const visit = (node: PyNode): void => {
      if (node.type === 'call') {
        const parts = callParts(node);
        const receiver = parts.callee.childForFieldName('object');
        if (receiver && /^(parameters|named_parameters)$/.test(parts.name ?? '')) {
          out.add(receiver.text);
          out.add(receiver.text.split('.')[0]);
        }
        // `Net(reference_unet, …)`: the wrapped modules train with it; what built them does not matter.
        if (isModuleConstructor(parts.name ?? '')) {
          for (const arg of parts.positional) if (arg.type === 'identifier' && this.modules.has(arg.text)) out.add(arg.text);
          return;
        }
      } else if (node.type === 'identifier') {
        if (seen.has(node.text) || CONFIG_NAMES.test(node.text) || this.configRoots.has(node.text)) return;
        seen.add(node.text);
        if (this.modules.has(node.text)) out.add(node.text);
        for (const rhs of this.assignedValues(node.text)) visit(rhs);
        return;
      }
      for (const child of kids(node)) visit(child);
    };
    visit(expr);
    return out;
  }

  /** Whether a module is trained: true (requires_grad_(True), or its parameters go to an optimizer), false (frozen), null (unknown). */
  isTrainable(name: string): boolean | null {
    if (this.grad.get(name) === true || this.optimized.has(name)) return true;
    return this.grad.get(name) === false ? false : null;
  }

  /** The module a cast applies to (null when the receiver looks like a tensor, not a module). */
  moduleOf(receiver: PyNode, cast: PyNode): ModuleInfo | null {
    let name: string;
    let parts: string[];
    if (receiver.type === 'identifier' || receiver.type === 'attribute') {
      if (!this.modules.has(receiver.text) && !this.optimized.has(receiver.text)) return null;
      name = receiver.text;
      parts = [name];
    } else if (receiver.type === 'call') {
      const call = callParts(receiver);
      if (!isModuleConstructor(call.name ?? '')) return null;
      const target = assignmentTarget(cast);
      name = target ?? receiver.childForFieldName('function')!.text;
      // `Net(reference_unet, denoising_unet, …).to(dtype=…)`: the wrapped modules are cast too.
      parts = [name, ...call.positional.filter((a) => a.type === 'identifier').map((a) => a.text)];
    } else {
      return null;
    }
    // trainable parameters put back in fp32 after this cast (`cast_training_params(…, torch.float32)`) are not half
    for (const p of parts) {
      const upcast = (this.events.get(p) ?? []).find((e) => e.kind === 'upcast' && e.at > cast.startIndex);
      if (upcast) return { name, trainable: false, evidence: `its trainable parameters go back to fp32 after the cast (line ${upcast.line}: ${upcast.evidence})` };
    }
    for (const p of parts) {
      if (this.grad.get(p) === true) return { name, trainable: true, evidence: `${p}.requires_grad_(True)` };
      if (this.optimized.has(p)) return { name, trainable: true, evidence: `${p}'s parameters go to the optimizer` };
      // made (partly) trainable before the cast: the cast puts those parameters in half precision too
      const before = (this.events.get(p) ?? []).filter((e) => e.kind !== 'upcast' && e.at < cast.startIndex).at(-1);
      if (before?.kind === 'trainable') return { name, trainable: true, evidence: `line ${before.line}: ${before.evidence}` };
    }
    if (this.grad.get(name) === false) return { name, trainable: false, evidence: `${name}.requires_grad_(False)` };
    return { name, trainable: false, evidence: null };
  }

  /** What a dtype expression can be: `weight_dtype` set under `if cfg.weight_dtype == "fp16":` … */
  dtypeChoices(dtype: PyNode): DtypeChoice[] {
    if (dtype.type !== 'identifier' || !this.assignments.has(dtype.text)) return this.choicesOf(dtype, 0);
    return this.assignedValues(dtype.text).flatMap((rhs) => this.choicesOf(rhs, 0));
  }

  // One assigned dtype expression: a conditional expression, a dict picked by a config key, getattr(torch, key), or a plain dtype.
  private choicesOf(expr: PyNode, depth: number): DtypeChoice[] {
    const rhs = unparen(expr);
    if (rhs.type === 'conditional_expression') {
      const { yes, condition, no } = conditionalParts(rhs);
      const legacy = this.condition(condition);
      return [
        { dtype: yes.text, ...legacy, ...withCondition(branchCondition(yes, this)) },
        { dtype: no.text, when: `not (${condition.text})`, configKey: legacy.configKey, configValue: null, ...withCondition(branchCondition(no, this)) },
      ];
    }
    if (rhs.type === 'subscript' && depth < 2) {
      const table = this.dictionaryOf(rhs.childForFieldName('value'));
      const key = rhs.childForFieldName('subscript');
      const configKey = key && this.configKeyOf(key);
      if (table && configKey) return this.tableChoices(table, configKey, rhs);
    }
    if (rhs.type === 'call' && depth < 2) {
      const parts = callParts(rhs);
      // `{…}.get(cfg.weight_dtype, torch.float32)` / `getattr(torch, cfg.dtype)`
      const table = parts.name === 'get' ? this.dictionaryOf(parts.callee.childForFieldName('object')) : null;
      const key = parts.positional[0] && this.configKeyOf(parts.positional[0]);
      if (table && key) return this.tableChoices(table, key, rhs);
      if (parts.name === 'getattr' && parts.positional[0]?.text === 'torch' && parts.positional[1]) {
        const fromKey = this.configKeyOf(parts.positional[1]);
        if (fromKey) return [{ dtype: rhs.text, when: null, configKey: fromKey, configValue: null, fromKey, ...withCondition(branchCondition(rhs, this)) }];
      }
    }
    return [{ dtype: rhs.text, ...this.condition(enclosingCondition(rhs)), ...withCondition(branchCondition(rhs, this)) }];
  }

  private tableChoices(table: PyNode, configKey: string, at: PyNode): DtypeChoice[] {
    const outer = branchCondition(at, this);
    const out: DtypeChoice[] = [];
    for (const pair of kids(table)) {
      if (pair.type !== 'pair') continue;
      const key = literal(pair.childForFieldName('key')!);
      const value = pair.childForFieldName('value');
      if (!value || (typeof key !== 'string' && typeof key !== 'number')) continue;
      const eq: BranchCondition = { op: 'eq', key: configKey, value: key };
      out.push({ dtype: value.text, when: `${configKey} == ${JSON.stringify(key)}`, configKey, configValue: key, condition: outer ? { op: 'and', args: [outer, eq] } : eq });
    }
    return out;
  }

  /** A dict literal, directly or through a variable (`DTYPES = {"fp16": torch.float16, …}`). */
  private dictionaryOf(node: PyNode | null): PyNode | null {
    if (!node) return null;
    if (node.type === 'dictionary') return node;
    if (node.type === 'identifier') return this.assignedValues(node.text).find((v) => v.type === 'dictionary') ?? null;
    return null;
  }

  /** The condition a node runs under, as conditions on config keys. */
  conditionOf(node: PyNode): BranchCondition | undefined {
    return branchCondition(node, this);
  }

  private condition(condition: PyNode | 'else' | null): Omit<DtypeChoice, 'dtype'> {
    if (!condition) return { when: null, configKey: null, configValue: null };
    if (condition === 'else') return { when: 'else', configKey: null, configValue: null };
    for (const node of walk(condition)) {
      if (node.type !== 'comparison_operator') continue;
      const [a, b] = kids(node);
      if (!a || !b) continue;
      const key = this.configKeyOf(a) ?? this.configKeyOf(b);
      const value = stringValue(b) ?? stringValue(a);
      if (key) return { when: condition.text, configKey: key, configValue: value };
    }
    return { when: condition.text, configKey: this.configKeyOf(condition), configValue: null };
  }
}

// Capitalized calls build objects; these common ones are not modules with parameters.
const NOT_MODULE_CLASS =
  /(Accelerator|Dataset|DataLoader|Sampler|Parser|Generator|Scheduler|Optimizer|Scaler|Logger|Writer|Path|Pool|Lock|Event|Config|Kwargs|Plugin|Tokenizer|Processor|Namespace|Trainer|TrainingArguments|Error|Exception|Timer|Meter|Callback)$/;

function isModuleConstructor(name: string): boolean {
  if (name === 'from_pretrained' || name === 'from_pretrained_2d' || name === 'from_config' || name === 'from_single_file') return true;
  return /^[A-Z]/.test(name) && !NOT_MODULE_CLASS.test(name);
}

/** `cfg.a.b` → ['cfg','a','b']; `cfg["a"].b` → ['cfg','a','b']; anything else → null. */
function chain(node: PyNode): string[] | null {
  if (node.type === 'identifier') return [node.text];
  if (node.type === 'attribute') {
    const object = chain(node.childForFieldName('object')!);
    const attribute = node.childForFieldName('attribute')?.text;
    return object && attribute ? [...object, attribute] : null;
  }
  if (node.type === 'subscript') {
    const object = chain(node.childForFieldName('value')!);
    const sub = node.childForFieldName('subscript');
    const key = sub && stringValue(sub);
    return object && key ? [...object, key] : null;
  }
  return null;
}

const FP32_CAST = /float32|\.float\(\)|\bfloat\b/;

/** The expressions an assigned value may be: both arms of `A if c else B`, nested. */
function alternatives(expr: PyNode): PyNode[] {
  const node = unparen(expr);
  if (node.type !== 'conditional_expression') return [node];
  const { yes, no } = conditionalParts(node);
  return [...alternatives(yes), ...alternatives(no)];
}

function withCondition(condition: BranchCondition | undefined): { condition?: BranchCondition } {
  return condition ? { condition } : {};
}

function assignmentTarget(node: PyNode): string | null {
  const parent = node.parent;
  if (parent?.type !== 'assignment') return null;
  const left = parent.childForFieldName('left');
  return left?.type === 'identifier' || left?.type === 'attribute' ? left.text : null;
}

function enclosingCondition(node: PyNode): PyNode | 'else' | null {
  for (let p = node.parent; p; p = p.parent) {
    if (p.type === 'else_clause') return 'else';
    if (p.type === 'if_statement' || p.type === 'elif_clause') {
      const body = p.childForFieldName('consequence');
      if (body && body.startIndex <= node.startIndex && node.endIndex <= body.endIndex) return p.childForFieldName('condition');
      return null;
    }
    if (p.type === 'function_definition' || p.type === 'module') return null;
  }
  return null;
}
