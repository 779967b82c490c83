// What a tensor expression in loss code can be, as far as a non-finite value is concerned: a
// probability (softmax, sigmoid), a sum, a count of a mask, a norm, an area, a selection by a mask,
// a logit… and the guard that keeps it away from 0 (clamp, `+ eps`, max(x, eps), where), followed
// through the local assignments a value was built from.
import { callParts, kids, lastName, literal, type PyNode } from './pyast';
import type { Assignment, PyFunction, PythonFlow } from './python-flow';

export type OperandKind =
  | 'constant' // a literal, or a tensor built from literals
  | 'none' // a size, a shape, a length, a config value: not a value that goes to 0 during training
  | 'positive' // softplus, 1 + a non-negative value …
  | 'exp'
  | 'softmax'
  | 'sigmoid'
  | 'probability'
  | 'logprob'
  | 'logit'
  | 'sum'
  | 'count'
  | 'norm'
  | 'std'
  | 'area'
  | 'extent'
  | 'difference'
  | 'square'
  | 'selection'
  | 'mask'
  | 'nonpositive'
  | 'rectified' // a ReLU's output: non-negative, exactly 0 wherever its input is not positive
  | 'peak' // the largest of rectified values: 0 where all of them are
  | 'tensor';

export type GuardKind = 'clamp' | 'eps' | 'max' | 'where' | 'nan-to-num' | 'threshold' | 'nonzero-only' | 'count-check' | 'zero-infinity' | 'bce-clamp';

export interface Guard {
  kind: GuardKind;
  node: PyNode;
}

export interface Seen {
  kind: OperandKind;
  /** What keeps it above 0, if anything (`clamp(min=eps)`, `+ 1e-6`, `max(s, 1)`). */
  guard: Guard | null;
  /** The epsilon literal of that guard, for its value in the training precision. */
  eps: { value: number; node: PyNode } | null;
  /** The assignment the value was read from, nearest first. */
  definition: Assignment | null;
  /** The exp calls the value is made of (a hand-made softmax's numerator and denominator). */
  exp: PyNode[];
  /** For selections and counts: the mask. */
  mask: PyNode | null;
  /** `x - x.max()`, or clamped from above: exp of it cannot overflow. */
  bounded: boolean;
}

export const FP16_MIN_SUBNORMAL = 2 ** -24; // 5.96e-8: smaller positive values are 0 in fp16

const EPS_NAME = /^(self\.)?_?(eps|epsilon|EPS|EPSILON|smooth|eps_\w+|\w+_eps|\w+_epsilon)$/;
// only names that say what the value is: `normalizer` or `denom` say how it is used, not whether it can be 0
const SUM_NAME = /(^|_)(sum|sums)$|(^|_)sum_|_sum\d*$/i;
const COUNT_NAME = /^(num|n)_?(pos|fg|valid|gt|positive|positives|masked|tokens|targets?)(_\w+)?$|(^|_)count$/i;
const NORM_NAME = /(^|_)norms?$/i;
const AREA_NAME = /(^|_)(area|areas|union)\d*$/i;
const EXTENT_NAME = /^(w|h|width|height|cw|ch)\d*$|_(w|h|width|height)\d*$/i;
// A `where` condition that tests a value's size or finiteness (not a label): `p > 0`, `x != 0`, `isnan(x)`, `x < eps`.
const WHERE_GUARD = /[<>]|!=\s*0(?![\d.])|==\s*0(?:\.0*)?(?![\d.])|isnan|isfinite|isinf|\beps\b|nonzero/i;
const PROB_NAME = /^(p|probs?|probas?|probabilities|y_pred|y_hat|pred_probs?|\w+_probs?)$/i;
const LOGIT_NAME = /logit/i;
const LOGPROB_NAME = /log_?probs?|^logp|lprobs|log_softmax|log_likelihood/i;
const MASK_NAME = /(^|_)(masks?|valid|keep|pos|positive|positives|fg|selected|sel|nonzero)(_|$)|^is_|^has_/i;
const CONFIG_ROOT = /^(cfg|config|conf|args|opt|opts|hparams|hp|hyp|FLAGS|flags|params)$/;

const TRANSPARENT = new Set([
  'float', 'double', 'half', 'bfloat16', 'item', 'detach', 'detach_', 'clone', 'contiguous', 'view', 'reshape', 'flatten', 'squeeze',
  'unsqueeze', 'squeeze_', 'unsqueeze_', 'permute', 'transpose', 't', 'to', 'type', 'cuda', 'cpu', 'type_as', 'expand', 'expand_as',
  'repeat', 'view_as', 'reshape_as', 'rearrange', 'movedim', 'numpy', 'requires_grad_', 'abs', 'abs_', 'cast', 'astype', 'ravel', 'gather',
  'index_select', 'take_along_dim',
]);
const MASK_CALLS = new Set([
  'gt', 'ge', 'lt', 'le', 'eq', 'ne', 'gt_', 'ge_', 'lt_', 'le_', 'eq_', 'ne_', 'bool', 'byte', 'logical_and', 'logical_or', 'logical_not',
  'logical_xor', 'isfinite', 'isnan', 'isinf', 'nonzero', 'argwhere', 'bernoulli',
]);
const CONSTRUCTORS = new Set(['tensor', 'Tensor', 'full', 'ones', 'zeros', 'ones_like', 'zeros_like', 'full_like', 'arange', 'linspace', 'FloatTensor', 'LongTensor', 'IntTensor', 'new_tensor', 'new_full', 'new_zeros', 'new_ones', 'empty']);
const SIZE_CALLS = new Set(['len', 'size', 'dim', 'ndimension', 'nelement', 'get_shape']);
const NONNEG = new Set<OperandKind>(['exp', 'softmax', 'sigmoid', 'probability', 'square', 'norm', 'std', 'area', 'count', 'positive']);

/** Module aliases a file binds (`np` → `numpy`, `F` → `torch.nn.functional`), with the usual ones assumed. */
export type Aliases = Map<string, string>;

const NUMERIC_MODULE = /^(torch|numpy|jax|tensorflow|keras|theano|mxnet|cupy|paddle)\b/;
const DEFAULT_ALIASES: [string, string][] = [
  ['torch', 'torch'], ['np', 'numpy'], ['numpy', 'numpy'], ['jnp', 'jax.numpy'], ['tf', 'tensorflow'], ['K', 'keras.backend'],
  ['T', 'theano.tensor'], ['F', 'torch.nn.functional'], ['nn', 'torch.nn'],
];

export function moduleAliases(root: PyNode): Aliases {
  const out: Aliases = new Map(DEFAULT_ALIASES);
  for (const statement of root.descendantsOfType(['import_statement', 'import_from_statement'])) {
    if (!statement) continue;
    const from = statement.type === 'import_from_statement' ? (statement.childForFieldName('module_name')?.text ?? '') : '';
    for (const name of statement.childrenForFieldName('name')) {
      if (!name) continue;
      const dotted = name.type === 'aliased_import' ? (name.childForFieldName('name')?.text ?? '') : name.text;
      const alias = name.type === 'aliased_import' ? (name.childForFieldName('alias')?.text ?? dotted) : dotted.split('.')[0];
      out.set(alias, from ? `${from}.${dotted}` : name.type === 'aliased_import' ? dotted : dotted.split('.')[0]);
    }
  }
  return out;
}

export class Operands {
  constructor(
    private readonly flow: PythonFlow,
    private readonly aliases: Aliases,
  ) {}

  /** The module a call's object names (`torch`, `numpy`, `tensorflow`…), or null for a tensor method / Python builtin. */
  moduleOf(callee: PyNode): string | null {
    if (callee.type === 'identifier') {
      const bound = this.aliases.get(callee.text);
      return bound && NUMERIC_MODULE.test(bound) && bound !== callee.text ? bound : null;
    }
    if (callee.type !== 'attribute') return null;
    const object = callee.childForFieldName('object');
    if (!object || !/^[\w.]+$/.test(object.text)) return null;
    const bound = this.aliases.get(object.text.split('.')[0]);
    return bound && NUMERIC_MODULE.test(bound) ? `${bound}${object.text.includes('.') ? object.text.slice(object.text.indexOf('.')) : ''}` : null;
  }

  /** Whether a call is `torch.log(x)`-style (a numeric module's function) rather than a method on a tensor. */
  isModuleCall(callee: PyNode): boolean {
    return this.moduleOf(callee) !== null;
  }

  /** The tensor a call works on: the receiver of a method, else the first positional argument. */
  subject(call: PyNode): PyNode | null {
    const parts = callParts(call);
    if (parts.callee.type === 'attribute' && !this.isModuleCall(parts.callee)) {
      const object = parts.callee.childForFieldName('object');
      if (object && !(object.type === 'call' && lastName(object.childForFieldName('function')) === 'super')) return object;
    }
    return parts.positional[0] ?? parts.keywords.get('input') ?? parts.keywords.get('x') ?? null;
  }

  of(expr: PyNode, fn: PyFunction, depth = 0): Seen {
    const base: Seen = { kind: 'tensor', guard: null, eps: null, definition: null, exp: [], mask: null, bounded: false };
    if (depth > 8) return base;
    switch (expr.type) {
      case 'parenthesized_expression': {
        const inner = kids(expr).filter((n) => n.type !== 'comment');
        return inner.length === 1 ? this.of(inner[0], fn, depth) : base;
      }
      case 'integer':
      case 'float':
      case 'true':
      case 'false':
      case 'none':
      case 'string':
      case 'concatenated_string':
        return { ...base, kind: 'constant' };
      case 'unary_operator': {
        const inner = this.of(expr.childForFieldName('argument')!, fn, depth + 1);
        if (inner.kind === 'constant') return inner;
        const op = expr.childForFieldName('operator')?.type;
        if (op === '~') return { ...base, kind: 'mask', mask: expr };
        if (op === '-') return { ...inner, kind: NONNEG.has(inner.kind) ? 'nonpositive' : inner.kind === 'nonpositive' ? 'tensor' : inner.kind, bounded: NONNEG.has(inner.kind) };
        return inner;
      }
      case 'comparison_operator':
      case 'not_operator':
        return { ...base, kind: 'mask', mask: expr };
      case 'identifier':
        return this.name(expr, fn, depth);
      case 'attribute':
        return this.attribute(expr, fn, depth);
      case 'subscript':
        return this.subscript(expr, fn, depth);
      case 'call':
        return this.call(expr, fn, depth);
      case 'binary_operator':
        return this.binary(expr, fn, depth);
      default:
        return base;
    }
  }

  private name(id: PyNode, fn: PyFunction, depth: number): Seen {
    const base: Seen = { kind: 'tensor', guard: null, eps: null, definition: null, exp: [], mask: null, bounded: false };
    const n = id.text;
    if (EPS_NAME.test(n)) return { ...base, kind: 'constant' };
    const before = this.flow.assignedBefore(fn, n, id.startIndex);
    if (before.length) {
      const seen = this.built(before, fn, depth);
      // the name tells only what the assignment does not: a value from an unknown call or unpacked from one
      const last = before[before.length - 1];
      const opaque = last.unpacked !== null || unparen(last.value).type === 'call';
      if (seen.kind === 'tensor' && opaque) return { ...seen, kind: byName(n) ?? 'tensor' };
      return seen.kind === 'difference' && EXTENT_NAME.test(n) ? { ...seen, kind: 'extent' } : seen;
    }
    if (fn.params.has(n)) {
      const def = fn.params.get(n);
      if (def && typeof literal(def) === 'number') return { ...base, kind: 'constant' };
      return { ...base, kind: byName(n) ?? 'tensor' };
    }
    const constant = this.flow.moduleConstant(n);
    if (constant) return { ...this.of(constant.value, this.flow.module, depth + 1), definition: constant };
    return { ...base, kind: byName(n) ?? 'tensor' };
  }

  /** A value from its assignments: the last plain one, then the augmented ones after it (`s += eps`, `e /= e.sum()`). */
  private built(before: Assignment[], fn: PyFunction, depth: number): Seen {
    const plainAt = findLastIndex(before, (a) => a.operator === '=' && !a.indexed);
    const plain = plainAt >= 0 ? before[plainAt] : undefined;
    let seen: Seen = plain ? this.assigned(plain, depth) : { kind: 'tensor', guard: null, eps: null, definition: null, exp: [], mask: null, bounded: false };
    if (plain) seen = { ...seen, definition: plain };
    for (const a of before.slice(plainAt + 1)) {
      const v = this.of(a.value, this.flow.functionAt(a.statement), depth + 1);
      if (a.indexed) {
        // `p[i] = torch.exp(x)`: built piece by piece; `r = torch.zeros(n)` then `r[i] = …` is no longer zeros
        if (v.kind === 'exp' || v.kind === 'softmax') seen = { ...seen, kind: v.kind, exp: [...seen.exp, ...v.exp], bounded: seen.bounded || v.bounded };
        else if (seen.kind === 'constant') seen = { ...seen, kind: 'tensor' };
        continue;
      }
      if (a.operator === '+=' && (v.kind === 'constant' || EPS_NAME.test(a.value.text))) {
        const eps = epsLiteral(a.value, this.flow, fn);
        seen = { ...seen, guard: { kind: 'eps', node: a.value }, eps: eps ?? seen.eps };
      } else if (a.operator === '&=' || a.operator === '|=') {
        seen = { ...seen, kind: 'mask', mask: seen.mask ?? a.value };
      } else if (a.operator === '/=' && seen.exp.length && v.kind === 'sum' && v.exp.length) {
        seen = { ...seen, kind: 'softmax' };
      }
    }
    return seen;
  }

  private assigned(a: Assignment, depth: number): Seen {
    const base: Seen = { kind: 'tensor', guard: null, eps: null, definition: a, exp: [], mask: null, bounded: false };
    const where = this.flow.functionAt(a.statement);
    if (a.unpacked !== null) {
      // `bs, h, w, _ = x.size()` / `x.shape`: sizes
      const v = a.value;
      const name = v.type === 'call' ? lastName(v.childForFieldName('function')) : v.type === 'attribute' ? v.childForFieldName('attribute')?.text : null;
      if (name && (SIZE_CALLS.has(name) || name === 'shape')) return { ...base, kind: 'none' };
      return base;
    }
    return this.of(a.value, where, depth + 1);
  }

  private attribute(attr: PyNode, fn: PyFunction, depth: number): Seen {
    const base: Seen = { kind: 'tensor', guard: null, eps: null, definition: null, exp: [], mask: null, bounded: false };
    const field = attr.childForFieldName('attribute')?.text ?? '';
    const object = attr.childForFieldName('object');
    if (!object) return base;
    if (['shape', 'ndim', 'dtype', 'device', 'size', 'is_cuda', 'requires_grad'].includes(field)) return { ...base, kind: 'none' };
    if (['data', 'T', 'mT', 'real'].includes(field)) return this.of(object, fn, depth + 1);
    if (object.type === 'identifier' && object.text === 'self') {
      if (EPS_NAME.test(field)) return { ...base, kind: 'constant' };
      const set = this.flow.selfAssignments(fn, attr.text);
      if (set.length) {
        const seen = this.assigned(set[set.length - 1], depth);
        return seen.kind === 'tensor' ? { ...seen, kind: byName(field) ?? 'tensor' } : seen;
      }
      return { ...base, kind: byName(field) ?? 'none' };
    }
    if (CONFIG_ROOT.test(object.text.split('.')[0])) return { ...base, kind: 'none' };
    return { ...base, kind: byName(field) ?? 'tensor' };
  }

  private subscript(sub: PyNode, fn: PyFunction, depth: number): Seen {
    const value = sub.childForFieldName('value')!;
    const indices = sub.childrenForFieldName('subscript').filter((n): n is PyNode => !!n);
    const v = value.type === 'attribute' ? value.childForFieldName('attribute')?.text : value.type === 'call' ? lastName(value.childForFieldName('function')) : null;
    if (v === 'shape' || v === 'size') return { kind: 'none', guard: null, eps: null, definition: null, exp: [], mask: null, bounded: false };
    const mask = indices.find((i) => this.isMask(i, fn, depth + 1));
    const inner = this.of(value, fn, depth + 1);
    if (mask) return { ...inner, kind: 'selection', mask, guard: null };
    // `d['target_lengths']`: a stored value says nothing about the container
    if (indices.length === 1 && indices[0].type === 'string') return { ...inner, kind: 'tensor', guard: null, eps: null };
    return inner;
  }

  private call(call: PyNode, fn: PyFunction, depth: number): Seen {
    const base: Seen = { kind: 'tensor', guard: null, eps: null, definition: null, exp: [], mask: null, bounded: false };
    const parts = callParts(call);
    const name = parts.name ?? '';
    const module = this.isModuleCall(parts.callee);
    const method = parts.callee.type === 'attribute' && !module;
    const subject = this.subject(call);
    const inner = () => (subject ? this.of(subject, fn, depth + 1) : base);
    // arguments after the subject: a method's first positional, a function's second
    const arg = (i: number) => parts.positional[method ? i : i + 1];

    if (['clamp', 'clamp_', 'clip', 'clip_', 'clip_by_value', 'clamp_min', 'clamp_min_'].includes(name)) {
      const lo = parts.keywords.get('min') ?? parts.keywords.get('a_min') ?? parts.keywords.get('clip_value_min') ?? arg(0);
      const hi = name.startsWith('clamp_min') ? undefined : (parts.keywords.get('max') ?? parts.keywords.get('a_max') ?? parts.keywords.get('clip_value_max') ?? arg(1));
      const seen = inner();
      const eps = lo ? epsLiteral(lo, this.flow, fn) : null;
      const keepsAbove0 = !!lo && (isPositive(lo, this.flow, fn) || EPS_NAME.test(lo.text));
      const bounded = !!hi && hi.type !== 'none';
      return { ...seen, guard: keepsAbove0 ? { kind: 'clamp', node: call } : seen.guard, eps: keepsAbove0 ? (eps ?? seen.eps) : seen.eps, bounded: seen.bounded || bounded };
    }
    if (name === 'nan_to_num') return { ...inner(), guard: { kind: 'nan-to-num', node: call } };
    // `where(p > 0, p, eps)` guards; `where(target == 1, x, 1 - x)` (focal loss's p_t) only picks, on a label
    if (name === 'where' && parts.positional.length >= 3) {
      const guards = WHERE_GUARD.test(parts.positional[0]?.text ?? '');
      return { ...inner(), kind: 'tensor', ...(guards ? { guard: { kind: 'where' as const, node: call } } : {}) };
    }
    if (['max', 'maximum', 'fmax', 'amax'].includes(name)) {
      const args = parts.callee.type === 'identifier' || module ? parts.positional : [subject!, ...parts.positional].filter(Boolean);
      // `max(s, 1)`, `torch.max(cw * ch + eps, union)`: one side is kept above 0
      const floor = args.length === 2 ? args.find((a) => isPositive(a, this.flow, fn) || EPS_NAME.test(a.text) || !!this.of(a, fn, depth + 1).guard) : undefined;
      if (floor) {
        const other = args.find((a) => a !== floor)!;
        return { ...this.of(other, fn, depth + 1), guard: { kind: 'max', node: call }, eps: epsLiteral(floor, this.flow, fn) };
      }
      const seen = inner();
      if (seen.kind === 'rectified') return { ...seen, kind: 'peak', guard: null };
      return { ...seen, kind: seen.kind === 'selection' ? 'tensor' : seen.kind, guard: null };
    }
    if (/^(relu|relu_|ReLU|relu6)$/.test(name)) return { ...base, kind: 'rectified' };
    if (/^(softmax|Softmax|softmax_)$/.test(name)) return { ...base, kind: 'softmax' };
    if (/^(sigmoid|sigmoid_|Sigmoid|hard_sigmoid|expit)$/.test(name)) return { ...base, kind: 'sigmoid' };
    if (/^(log_softmax|logsigmoid|log_sigmoid|LogSoftmax)$/.test(name)) return { ...base, kind: 'logprob' };
    if (name === 'exp' || name === 'exp_') {
      const seen = inner();
      return { ...base, kind: 'exp', exp: [call], bounded: seen.bounded || seen.kind === 'nonpositive' || seen.kind === 'logprob' };
    }
    if (name === 'softplus' || name === 'cosh') return { ...base, kind: 'positive' };
    if (['sum', 'nansum', 'reduce_sum'].includes(name)) {
      if (parts.callee.type === 'identifier' && name === 'sum' && !module) return { ...base, kind: 'sum' };
      const seen = inner();
      if (seen.kind === 'mask' || (subject && this.isMask(subject, fn, depth + 1))) return { ...base, kind: 'count', mask: seen.mask ?? subject };
      // exps shifted by their max: the largest term is exp(0) = 1
      if (seen.kind === 'exp' && seen.bounded) return { ...base, kind: 'positive' };
      // a sum of values each kept above eps is above eps
      return { ...base, kind: 'sum', exp: seen.exp, mask: seen.kind === 'selection' ? seen.mask : null, guard: seen.guard, eps: seen.eps };
    }
    if (name === 'count_nonzero') return { ...base, kind: 'count', mask: subject };
    if (name === 'numel') {
      const seen = inner();
      return seen.kind === 'selection' ? { ...base, kind: 'count', mask: seen.mask } : { ...base, kind: 'none' };
    }
    if (SIZE_CALLS.has(name)) return { ...base, kind: 'none' };
    if (['norm', 'vector_norm', 'matrix_norm', 'l2_norm'].includes(name)) return { ...base, kind: 'norm' };
    if (['std', 'var', 'reduce_std', 'reduce_variance'].includes(name)) return { ...base, kind: 'std' };
    if (['mean', 'nanmean', 'reduce_mean'].includes(name)) {
      const seen = inner();
      const kind: OperandKind = ['softmax', 'sigmoid', 'probability'].includes(seen.kind) ? 'probability' : seen.kind === 'square' ? 'square' : 'tensor';
      return { ...base, kind, guard: seen.guard, eps: seen.eps };
    }
    if (name === 'pow' || name === 'float_power' || name === 'square') {
      const e = name === 'square' ? 2 : literal(arg(0) ?? call);
      if (e === 2) return { ...base, kind: 'square' };
      const seen = inner();
      return { ...base, kind: typeof e === 'number' && e > 0 && e < 1 && (seen.kind === 'sum' || seen.kind === 'square') ? 'norm' : 'tensor' };
    }
    if (name === 'sqrt' || name === 'rsqrt') {
      const seen = inner();
      return { ...base, kind: seen.kind === 'sum' || seen.kind === 'square' ? 'norm' : 'tensor', guard: seen.guard, eps: seen.eps };
    }
    if (TRANSPARENT.has(name)) return subject ? this.of(subject, fn, depth + 1) : base;
    if (MASK_CALLS.has(name)) return { ...base, kind: 'mask', mask: call };
    if (name === 'masked_select') return { ...base, kind: 'selection', mask: arg(0) ?? call };
    if (CONSTRUCTORS.has(name)) return { ...base, kind: 'constant' };
    if (LOGIT_NAME.test(name) || LOGIT_NAME.test(parts.callee.text)) return { ...base, kind: 'logit' };
    return base;
  }

  private binary(b: PyNode, fn: PyFunction, depth: number): Seen {
    const base: Seen = { kind: 'tensor', guard: null, eps: null, definition: null, exp: [], mask: null, bounded: false };
    const op = b.childForFieldName('operator')?.type;
    const left = b.childForFieldName('left')!;
    const right = b.childForFieldName('right')!;
    if (op === '+' || op === '-') {
      const terms = additiveTerms(b);
      // `+ eps` guards; a `+ 1` next to a subtraction (`x2 - x1 + 1`, `1 - iou`) is arithmetic, not a guard
      const epsTerm = terms.find((t) => t.sign > 0 && (EPS_NAME.test(t.node.text) || !!epsLiteral(t.node, this.flow, fn)));
      const offset = epsTerm ?? (terms.some((t) => t.sign < 0) ? undefined : terms.find((t) => t.sign > 0 && isPositive(t.node, this.flow, fn)));
      const rest = terms.filter((t) => t !== offset);
      const kinds = rest.map((t) => this.of(t.node, fn, depth + 1));
      const guard: Guard | null = offset ? { kind: 'eps', node: offset.node } : null;
      const eps = offset ? epsLiteral(offset.node, this.flow, fn) : null;
      const seen = { ...base, guard, eps };
      if (!rest.length) return { ...seen, kind: 'constant' };
      if (kinds.every((k) => k.kind === 'constant')) return { ...seen, kind: 'constant' };
      // `x - x.max(dim)`: exp of it is at most 1
      if (op === '-' && terms.length === 2 && this.isMaxOf(right, left, fn)) return { ...this.of(left, fn, depth + 1), bounded: true, guard, eps };
      // `1 - p`: still a probability, 0 where p saturates to 1
      if (op === '-' && literal(left) === 1 && terms.length === 2) {
        const p = kinds[kinds.length - 1];
        if (['softmax', 'sigmoid', 'probability'].includes(p.kind)) return { ...seen, kind: 'probability' };
      }
      const live = kinds.filter((k) => k.kind !== 'constant');
      const liveTerms = rest.filter((_, i) => kinds[i].kind !== 'constant');
      // a union: areas added and the intersection taken off
      if (live.length && live.every((k) => k.kind === 'area' || k.kind === 'extent')) return { ...seen, kind: 'area' };
      // `x2 - x1`, `x2 - x1 + 1`: one value less another
      if (liveTerms.filter((t) => t.sign > 0).length === 1 && liveTerms.filter((t) => t.sign < 0).length === 1) return { ...seen, kind: 'difference' };
      // `1.0 - cosine ** 2`: a constant less a square, 0 where the square reaches it (and below 0 by rounding)
      if (!offset && liveTerms.length === 1 && liveTerms[0].sign < 0 && live[0].kind === 'square' && terms.some((t) => t.sign > 0)) return { ...seen, kind: 'difference' };
      if (liveTerms.every((t) => t.sign > 0)) {
        if (live.some((k) => k.kind === 'sum' || k.kind === 'count')) return { ...seen, kind: 'sum' };
        if (live.every((k) => k.kind === 'square' || k.kind === 'norm')) return { ...seen, kind: 'square' };
        if (offset && live.every((k) => NONNEG.has(k.kind))) return { ...seen, kind: 'positive' };
      }
      return seen;
    }
    if (op === '*') {
      if (left.text === right.text) return { ...base, kind: 'square' };
      const l = this.of(left, fn, depth + 1);
      const r = this.of(right, fn, depth + 1);
      const extent = (k: Seen) => k.kind === 'extent' || k.kind === 'difference' || k.kind === 'area';
      if (extent(l) && extent(r)) return { ...base, kind: 'area' };
      if (l.kind === 'constant') return { ...r, definition: null };
      if (r.kind === 'constant') return { ...l, definition: null };
      // sizes times sizes: `self.batch_size_per_image * num_images`
      if (l.kind === 'none' && r.kind === 'none') return { ...base, kind: 'none' };
      const prob = (k: Seen) => ['softmax', 'sigmoid', 'probability'].includes(k.kind);
      if (prob(l) && prob(r)) return { ...base, kind: 'probability' };
      return base;
    }
    if (op === '/') {
      const l = this.of(left, fn, depth + 1);
      const r = this.of(right, fn, depth + 1);
      if (l.exp.length && r.kind === 'sum' && r.exp.length) return { ...base, kind: 'softmax', exp: [...l.exp, ...r.exp], bounded: l.bounded };
      if (r.kind === 'constant' || r.kind === 'none') return { ...l, definition: null };
      return base;
    }
    if (op === '**') {
      const e = literal(right);
      if (e === 2) return { ...base, kind: 'square' };
      const l = this.of(left, fn, depth + 1);
      if (typeof e === 'number' && e > 0 && e < 1) return { ...base, kind: l.kind === 'sum' || l.kind === 'square' ? 'norm' : 'tensor' };
      return base;
    }
    if (op === '//' || op === '%' || op === '<<' || op === '>>') return { ...base, kind: 'none' };
    if (op === '&' || op === '|' || op === '^') return { ...base, kind: 'mask', mask: b };
    return base;
  }

  /** `x.max(dim)[0]`, `torch.max(x, dim, keepdim=True).values`, `x.logsumexp(-1)`, or a name holding one: a max of `x` itself. */
  private isMaxOf(node: PyNode, x: PyNode, fn: PyFunction, depth = 0): boolean {
    let n = unparen(node);
    if (n.type === 'identifier' && depth < 2) {
      const last = this.flow.assignedBefore(fn, n.text, n.startIndex).filter((a) => a.operator === '=' && !a.indexed && a.unpacked === null).at(-1);
      return !!last && this.isMaxOf(last.value, x, fn, depth + 1);
    }
    if (n.type === 'subscript' || (n.type === 'attribute' && n.childForFieldName('attribute')?.text === 'values')) n = n.childForFieldName(n.type === 'subscript' ? 'value' : 'object') ?? n;
    if (n.type !== 'call' || !/^(max|amax|logsumexp|reduce_max|reduce_logsumexp)$/.test(lastName(n.childForFieldName('function')) ?? '')) return false;
    return this.subject(n)?.text === unparen(x).text;
  }

  /** A boolean mask: a comparison, `~m`, `.bool()`, a variable named or built as one. */
  isMask(node: PyNode, fn: PyFunction, depth = 0): boolean {
    if (depth > 6) return false;
    switch (node.type) {
      case 'comparison_operator':
        return !/\b(is|in)\b/.test(node.children.filter((c) => c && !c.isNamed).map((c) => c!.type).join(' '));
      case 'not_operator':
        return true;
      case 'parenthesized_expression': {
        const inner = kids(node);
        return inner.length === 1 && this.isMask(inner[0], fn, depth + 1);
      }
      case 'unary_operator':
        return node.childForFieldName('operator')?.type === '~';
      case 'binary_operator': {
        const op = node.childForFieldName('operator')?.type;
        return (op === '&' || op === '|' || op === '^') && (this.isMask(node.childForFieldName('left')!, fn, depth + 1) || this.isMask(node.childForFieldName('right')!, fn, depth + 1));
      }
      case 'call': {
        const name = lastName(node.childForFieldName('function')) ?? '';
        if (MASK_CALLS.has(name)) return true;
        if (TRANSPARENT.has(name)) {
          const s = this.subject(node);
          return !!s && this.isMask(s, fn, depth + 1);
        }
        // a function of this file that returns a mask (`return ranks < count`)
        const def = this.flow.functionNamed(name);
        if (def && depth < 3) return def.statements.filter((r) => r.type === 'return_statement').flatMap((r) => kids(r).filter((k) => k.type !== 'comment')).some((r) => this.isMask(r, def, depth + 1));
        return /mask/i.test(name);
      }
      case 'identifier': {
        if (MASK_NAME.test(node.text)) return true;
        const before = this.flow.assignedBefore(fn, node.text, node.startIndex).filter((a) => !a.indexed && a.unpacked === null);
        const last = before[before.length - 1];
        return !!last && this.isMask(last.value, this.flow.functionAt(last.statement), depth + 1);
      }
      case 'attribute':
        return MASK_NAME.test(node.childForFieldName('attribute')?.text ?? '');
      case 'subscript':
        return this.isMask(node.childForFieldName('value')!, fn, depth + 1);
      default:
        return false;
    }
  }
}

function unparen(node: PyNode): PyNode {
  let n = node;
  while (n.type === 'parenthesized_expression' && kids(n).length === 1) n = kids(n)[0];
  return n;
}

function byName(name: string): OperandKind | null {
  const n = name.replace(/^self\./, '');
  if (LOGPROB_NAME.test(n)) return 'logprob';
  if (SUM_NAME.test(n)) return 'sum';
  if (COUNT_NAME.test(n)) return 'count';
  if (NORM_NAME.test(n)) return 'norm';
  if (AREA_NAME.test(n)) return 'area';
  if (PROB_NAME.test(n)) return 'probability';
  if (LOGIT_NAME.test(n)) return 'logit';
  return null;
}

/** The terms of `a + b - (c + d)` with their signs. */
export function additiveTerms(node: PyNode, sign = 1): { node: PyNode; sign: number }[] {
  if (node.type === 'parenthesized_expression') {
    const inner = kids(node);
    if (inner.length === 1 && inner[0].type === 'binary_operator') return additiveTerms(inner[0], sign);
    return [{ node, sign }];
  }
  if (node.type !== 'binary_operator') return [{ node, sign }];
  const op = node.childForFieldName('operator')?.type;
  if (op !== '+' && op !== '-') return [{ node, sign }];
  return [...additiveTerms(node.childForFieldName('left')!, sign), ...additiveTerms(node.childForFieldName('right')!, op === '-' ? -sign : sign)];
}

/** A literal number, or a name bound to one here (parameter default, module constant, a local `eps = 1e-8`). */
export function numberOf(node: PyNode, flow: PythonFlow, fn: PyFunction): { value: number; node: PyNode } | null {
  const v = literal(node);
  if (typeof v === 'number') return { value: v, node };
  if (node.type === 'identifier') {
    const local = flow.assignedBefore(fn, node.text, node.startIndex).filter((a) => a.operator === '=' && !a.indexed && a.unpacked === null);
    const at = local[local.length - 1]?.value ?? (fn.params.has(node.text) ? fn.params.get(node.text) : undefined) ?? flow.moduleConstant(node.text)?.value;
    const found = at ? literal(at) : undefined;
    if (typeof found === 'number' && at) return { value: found, node: at };
  }
  if (node.type === 'attribute' && node.childForFieldName('object')?.text === 'self') {
    const set = flow.selfAssignments(fn, node.text);
    const value = set[set.length - 1]?.value;
    if (value) {
      const found = literal(value);
      if (typeof found === 'number') return { value: found, node: value };
      // `self.eps = eps` with `eps=1e-10` in `__init__`
      if (value.type === 'identifier') return numberOf(value, flow, flow.functionAt(set[set.length - 1].statement));
    }
  }
  return null;
}

function isPositive(node: PyNode, flow: PythonFlow, fn: PyFunction): boolean {
  const n = numberOf(node, flow, fn);
  return !!n && n.value > 0;
}

/** The epsilon literal behind a guard operand, when it is a small positive number. */
function epsLiteral(node: PyNode, flow: PythonFlow, fn: PyFunction): { value: number; node: PyNode } | null {
  const n = numberOf(node, flow, fn);
  return n && n.value > 0 && n.value < 1e-2 ? n : null;
}

function findLastIndex<T>(list: T[], test: (t: T) => boolean): number {
  for (let i = list.length - 1; i >= 0; i--) if (test(list[i])) return i;
  return -1;
}
