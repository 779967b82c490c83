// Numeric hazards in the Python a training run executes: log of a probability, division by a sum,
// count, norm or area, sqrt at 0, exp that overflows, a mean over a selection that can be empty,
// epsilons that vanish in the training dtype, CTC that keeps infinite losses. Each comes with the
// guard seen (if any), the loss terms it feeds, whether it is loss code, and fix templates whose
// `{eps}` the rule fills in for the precision the run trains in.
import type { Range } from '../types';
import { callParts, kids, lastName, literal, ofType, oneLine, stringValue, type CallParts, type PyNode } from './pyast';
import { PythonFlow, rootOf, statementOf, type Assignment, type PyFunction } from './python-flow';
import { additiveTerms, FP16_MIN_SUBNORMAL, moduleAliases, numberOf, Operands, type Guard, type GuardKind, type OperandKind, type Seen } from './python-operands';

export type HazardKind = 'log' | 'div' | 'sqrt' | 'exp' | 'empty-mean' | 'eps-underflow' | 'ctc-zero-infinity' | 'ctc-lengths';
/** What this line is to the hazard: the construct itself, the divisor's definition, a zero-only guard, … */
export type HazardRole = 'site' | 'divisor' | 'guard' | 'mask-source' | 'eps' | 'reduction';
/** Which epsilon a fix template's `{eps}` stands for. */
export type EpsUse = 'log' | 'div' | 'sqrt' | 'add' | 'near-one' | 'exp-max';

export interface HazardFix {
  title: string;
  edits: { range: Range; newText: string }[];
}

/** The detail of a `numeric-hazard` script fact. */
export type NumericHazard = {
  hazard: HazardKind;
  role: HazardRole;
  /** `BboxLoss.forward`, or null at module level. */
  function: string | null;
  /** In a function named or classed as a loss or called from one in this file, or flowing into a loss a function computes. */
  lossCode: boolean;
  /** Names the value flows into, nearest first (`loss_iou`, `loss`). */
  terms: string[];
  /** What can be 0 or non-finite, and what it is. */
  operand: { text: string; kind: OperandKind } | null;
  guard: { kind: GuardKind; text: string; range: Range } | null;
  /** The epsilon that should keep it finite (eps-underflow: the one that vanishes). */
  eps: { value: number; text: string; range: Range; nearOne: boolean; matters: boolean } | null;
  epsUse: EpsUse | null;
  /** Computed with autocast off (fp32 whatever the run's precision). */
  fp32: boolean;
  /** For roles other than 'site': the hazard's own line (0-based) and text. */
  site: { line: number; text: string } | null;
  /** exp: the numerator of a softmax written by hand; div: the sum of such exps. */
  handSoftmax?: boolean;
  /** `log(1 + exp(x))`: softplus written by hand, which overflows wherever it runs (an activation too). */
  softplus?: boolean;
  /** empty-mean: the mask that selects the elements, and its line (0-based). */
  mask?: { text: string; line: number };
  fixes: HazardFix[];
};

export interface FoundHazard {
  range: Range;
  text: string;
  detail: NumericHazard;
}

const LOG = new Set(['log', 'log_', 'log2', 'log10']);
const MEAN = new Set(['mean', 'nanmean', 'reduce_mean']);
const DIVIDE = new Set(['div', 'div_', 'true_divide', 'divide']);
const CLIP = new Set(['clip', 'clamp', 'clip_by_value', 'clip_', 'clamp_']);
const FUNCTIONAL_LOSS = /^(cross_entropy|nll_loss|mse_loss|l1_loss|smooth_l1_loss|huber_loss|binary_cross_entropy|binary_cross_entropy_with_logits|kl_div|poisson_nll_loss|soft_margin_loss|multilabel_soft_margin_loss)$/;
// torch's mean-reducing loss classes, and where `reduction` goes when they are given positional arguments
const REDUCTION_AT: Record<string, number> = { CrossEntropyLoss: 4, NLLLoss: 4, MSELoss: 2, L1Loss: 2, SmoothL1Loss: 2, HuberLoss: 0, BCELoss: 3, BCEWithLogitsLoss: 3, KLDivLoss: 2, PoissonNLLLoss: 5, SoftMarginLoss: 2, MultiLabelSoftMarginLoss: 3 };
const TORCH_LOSS = new Set(Object.keys(REDUCTION_AT));
const LOSS_OBJECT = new Set([...TORCH_LOSS, 'CTCLoss']);
const CALLS = new Set([...LOG, ...MEAN, ...DIVIDE, ...CLIP, 'sqrt', 'exp', 'pow', 'float_power', 'norm', 'CTCLoss', 'ctc_loss', 'forward', 'binary_cross_entropy']);
// TensorFlow's Euclidean norm is a sqrt whose gradient at 0 is NaN (torch.norm's backward gives 0 there instead).
const TF_NORM = /^(tf|tensorflow)(\.linalg|\.math)?\.norm$/;
const HAZARD_DIVISOR = new Set<OperandKind>(['sum', 'count', 'norm', 'std', 'area', 'extent', 'peak']);
const SQRT_OPERAND = new Set<OperandKind>(['square', 'sum', 'norm', 'std', 'difference', 'extent', 'area', 'count']);
const NO_LOG = new Set<OperandKind>(['constant', 'none', 'positive', 'exp', 'logprob', 'nonpositive', 'mask', 'count']);
const MASK_SOURCE = /subset|sample|drop|rand|prob|choice|perm|bernoulli/i;
const WEIGHTS = /score|weight|target|mask|label|valid|pos|fg|num|count|avg_factor|normali[sz]er/i;
const NEAR_ONE_LIMIT = 2 ** -9; // bf16's half-ulp below 1: `1 - eps` rounds to 1 in bf16 for smaller eps
const REDUCTION = new Set(['max', 'amax', 'item', 'float', 'detach', 'squeeze', 'view', 'reshape']);
const TRANSPARENT = new Set(['float', 'double', 'half', 'detach', 'clone', 'contiguous', 'view', 'reshape', 'flatten', 'squeeze', 'unsqueeze', 'permute', 'transpose', 'to', 'type', 'cuda', 'cpu', 'rearrange', 'bool', 'long', 'int']);

/** Every numeric hazard in a parsed Python file; `range` turns offsets into LSP ranges. */
export function findNumericHazards(root: PyNode, range: (start: number, end: number) => Range): FoundHazard[] {
  return new HazardFinder(root, range).run();
}

interface Site {
  fn: PyFunction;
  base: Pick<NumericHazard, 'function' | 'lossCode' | 'terms' | 'fp32'>;
  ref: { line: number; text: string };
}

class HazardFinder {
  private readonly out: FoundHazard[] = [];
  private readonly keys = new Map<string, FoundHazard>();
  private readonly flow: PythonFlow;
  private readonly ops: Operands;

  /** Names bound to a loss object (`self.mse = nn.MSELoss()`, `ctc = nn.CTCLoss(…)`): calls through them are losses. */
  private readonly lossObjects = new Set<string>();
  private readonly aliasCache = new Map<string, Set<string>>();

  constructor(
    private readonly root: PyNode,
    private readonly range: (start: number, end: number) => Range,
  ) {
    this.flow = new PythonFlow(root);
    this.ops = new Operands(this.flow, moduleAliases(root));
    for (const fn of [this.flow.module, ...this.flow.functions]) {
      for (const [name, list] of fn.assignments) {
        if (list.some((a) => a.value.type === 'call' && LOSS_OBJECT.has(lastName(a.value.childForFieldName('function')) ?? ''))) this.lossObjects.add(name);
      }
    }
  }

  run(): FoundHazard[] {
    for (const call of this.flow.allCalls) this.call(call);
    for (const b of ofType(this.root, 'binary_operator')) {
      const op = b.childForFieldName('operator');
      if (op?.type === '/') this.division(b, b.childForFieldName('left')!, b.childForFieldName('right')!, op);
      else if (op?.type === '**') this.power(b);
    }
    for (const a of ofType(this.root, 'augmented_assignment')) {
      const op = a.childForFieldName('operator');
      if (op?.type === '/=') this.division(a, a.childForFieldName('left')!, a.childForFieldName('right')!, op);
    }
    return this.out;
  }

  // ---- where each hazard is recognized ----

  private call(call: PyNode): void {
    const callee = call.childForFieldName('function');
    if (!callee) return;
    // `nn.MSELoss()(a, b)`: the loss object built in place
    const built = callee.type === 'call' && LOSS_OBJECT.has(lastName(callee.childForFieldName('function')) ?? '');
    const name = built ? '__call__' : lastName(callee);
    // most calls are none of these: decide from the name before reading the arguments
    if (!name || !(built || CALLS.has(name) || FUNCTIONAL_LOSS.test(name) || this.lossObjects.has(callee.text))) return;
    const parts = callParts(call);
    const module = this.ops.moduleOf(parts.callee);
    const object = parts.callee.type === 'attribute' ? parts.callee.childForFieldName('object') : null;
    // `torch.log(p)` / `p.log()`; `math.log(x)` works on Python floats (it raises, it does not go NaN)
    const unary = (): { operand: PyNode; form: 'function' | 'method' } | null => {
      if (module && parts.positional[0]) return { operand: parts.positional[0], form: 'function' };
      if (!module && object && object.text !== 'math' && parts.positional.length === 0 && parts.keywords.size === 0) return { operand: object, form: 'method' };
      return null;
    };
    if (LOG.has(name)) {
      const u = unary();
      if (u) this.log(call, u.operand);
    } else if (name === 'sqrt') {
      const u = unary();
      if (u) this.sqrt(call, u.operand, u.form === 'function' ? 'argument' : 'receiver');
    } else if (name === 'exp') {
      const u = unary();
      if (u) this.exp(call, u.operand);
    } else if (name === 'norm' && TF_NORM.test(parts.callee.text)) {
      this.euclideanNorm(call, parts);
    } else if (name === 'pow' || name === 'float_power') {
      const [base, e] = module ? [parts.positional[0], parts.positional[1]] : [object, parts.positional[0]];
      const v = e ? literal(e) : undefined;
      if (base && typeof v === 'number' && v > 0 && v < 1) this.sqrt(call, base, module ? 'argument' : 'receiver');
    } else if (DIVIDE.has(name)) {
      const [num, den] = module ? [parts.positional[0], parts.positional[1]] : [object, parts.positional[0]];
      if (num && den) this.division(call, num, den, null);
    }
    if (CLIP.has(name)) this.nearOne(call);
    if (name === 'CTCLoss' || (name === 'ctc_loss' && module)) this.ctcZeroInfinity(call);
    this.emptyMean(call, parts);
    this.ctcLengths(call, parts);
    this.bceOnSigmoid(call, parts);
  }

  private power(b: PyNode): void {
    const e = literal(b.childForFieldName('right')!);
    if (typeof e === 'number' && e > 0 && e < 1) this.sqrt(b, b.childForFieldName('left')!, 'power');
  }

  // ---- log ----

  private log(call: PyNode, operand: PyNode): void {
    const site = this.site(call);
    const seen = this.ops.of(operand, site.fn);
    this.underflow(seen, site);
    if (this.handSoftplus(call, operand, site)) return;
    if (NO_LOG.has(seen.kind)) return;
    const inner = unparen(operand);
    const innerName = inner.type === 'call' ? lastName(inner.childForFieldName('function')) : null;
    const fixes: HazardFix[] = [];
    if (innerName && /^softmax$/.test(innerName)) {
      const callee = inner.childForFieldName('function')!;
      const renamed = callee.text.replace(/softmax$/, 'log_softmax') + inner.text.slice(callee.text.length);
      fixes.push({ title: 'Use log_softmax (log of a softmax, computed stably)', edits: [this.edit(call, renamed)] });
    } else if (innerName && ['sum', 'reduce_sum'].includes(innerName) && this.expOf(this.ops.subject(inner))) {
      // log(sum(exp(x))): logsumexp subtracts the max first
      const x = this.expOf(this.ops.subject(inner))!;
      const parts = callParts(inner);
      const dim = parts.keywords.get('dim') ?? parts.keywords.get('axis') ?? parts.positional[this.ops.isModuleCall(parts.callee) ? 1 : 0];
      const module = this.ops.moduleOf(call.childForFieldName('function')!) ?? 'torch';
      const lse = /^tensorflow|^keras/.test(module) ? `tf.reduce_logsumexp(${x.text}${dim ? `, axis=${dim.text}` : ''})` : dim ? `torch.logsumexp(${x.text}, dim=${dim.text})` : `torch.logsumexp(${x.text}.flatten(), dim=0)`;
      fixes.push({ title: 'Use logsumexp (log of a sum of exps, computed stably)', edits: [this.edit(call, lse)] });
    } else if (innerName && /^sigmoid$/.test(innerName)) {
      const x = this.ops.subject(inner);
      if (x) fixes.push({ title: 'Use logsigmoid (log of a sigmoid, computed stably)', edits: [this.edit(call, `${this.logSigmoid(call)}(${x.text})`)] });
    }
    if (!fixes.length) {
      fixes.push({ title: `Clamp ${short(operand.text)} to at least {eps} before the log`, edits: [this.edit(operand, this.floor(operand, call, '{eps}'))] });
    }
    this.push(call, 'log', 'site', site, { operand: { text: operand.text, kind: seen.kind }, guard: this.guardOf(seen.guard), eps: this.guardEps(seen), epsUse: 'log', fixes });
  }

  /**
   * `log(1 + exp(x))`, softplus written by hand (mish, a smooth ReLU): exp overflows to inf for x above ~88 in float32,
   * and its gradient exp(x)/(1 + exp(x)) is inf/inf = NaN there. The library's softplus is stable.
   */
  private handSoftplus(call: PyNode, operand: PyNode, site: Site): boolean {
    const sum = unparen(operand);
    if (sum.type !== 'binary_operator' || sum.childForFieldName('operator')?.type !== '+') return false;
    const [left, right] = [unparen(sum.childForFieldName('left')!), unparen(sum.childForFieldName('right')!)];
    const one = literal(left) === 1 ? right : literal(right) === 1 ? left : null;
    const x = one && this.expOf(one);
    if (!x) return false;
    const module = this.ops.moduleOf(call.childForFieldName('function')!) ?? 'torch';
    const softplus = /^tensorflow|^keras/.test(module) ? `tf.math.softplus(${x.text})` : `torch.nn.functional.softplus(${x.text})`;
    this.push(call, 'exp', 'site', site, {
      operand: { text: x.text, kind: 'tensor' },
      softplus: true,
      fixes: [{ title: 'Use softplus (log(1 + exp(x)) computed stably)', edits: [this.edit(call, softplus)] }],
    });
    return true;
  }

  /** `x` for `torch.exp(x)` / `x.exp()`. */
  private expOf(node: PyNode | null): PyNode | null {
    const n = node && unparen(node);
    if (n?.type !== 'call' || lastName(n.childForFieldName('function')) !== 'exp') return null;
    return this.ops.subject(n);
  }

  private logSigmoid(call: PyNode): string {
    const module = this.ops.moduleOf(call.childForFieldName('function')!) ?? 'torch';
    if (/^tensorflow|^keras/.test(module)) return 'tf.math.log_sigmoid';
    const f = [...this.aliasesOf('torch.nn.functional')][0];
    return f ? `${f}.logsigmoid` : 'torch.nn.functional.logsigmoid';
  }

  private aliasesOf(module: string): Set<string> {
    const cached = this.aliasCache.get(module);
    if (cached) return cached;
    const out = new Set<string>();
    this.aliasCache.set(module, out);
    for (const statement of ofType(this.root, ['import_statement', 'import_from_statement'])) {
      const from = statement.type === 'import_from_statement' ? (statement.childForFieldName('module_name')?.text ?? '') : '';
      for (const name of statement.childrenForFieldName('name')) {
        if (name?.type !== 'aliased_import') continue;
        const dotted = name.childForFieldName('name')?.text ?? '';
        if ((from ? `${from}.${dotted}` : dotted) === module) out.add(name.childForFieldName('alias')?.text ?? '');
      }
    }
    return out;
  }

  // `F.binary_cross_entropy(torch.sigmoid(x), y)`: PyTorch clamps the log at -100, the logits form is exact
  private bceOnSigmoid(call: PyNode, parts: CallParts): void {
    if (parts.name !== 'binary_cross_entropy' || !this.ops.isModuleCall(parts.callee)) return;
    const p = parts.positional[0];
    const inner = p && unparen(p);
    if (!inner || inner.type !== 'call' || lastName(inner.childForFieldName('function')) !== 'sigmoid') return;
    const x = this.ops.subject(inner);
    if (!x) return;
    const site = this.site(call);
    const callee = parts.callee.text + '_with_logits';
    const args = call.childForFieldName('arguments')!;
    const rest = args.text.slice(p.endIndex - args.startIndex);
    this.push(call, 'log', 'site', site, {
      operand: { text: p.text, kind: 'sigmoid' },
      guard: { kind: 'bce-clamp', text: oneLine(call.text), range: this.rangeOf(call) },
      fixes: [{ title: 'Use binary_cross_entropy_with_logits on the logits', edits: [this.edit(call, `${callee}(${x.text}${rest}`)] }],
    });
  }

  // ---- division ----

  private division(node: PyNode, num: PyNode, den: PyNode, operator: PyNode | null): void {
    const site = this.site(node);
    const seen = this.ops.of(den, site.fn);
    this.underflow(seen, site);
    if (!HAZARD_DIVISOR.has(seen.kind)) return;
    const guard = seen.guard ?? this.conditionGuard(node, den, seen, site.fn);
    const maskRoot = seen.kind === 'count' ? [...identifiersIn(den), ...(seen.mask ? identifiersIn(seen.mask) : [])] : [];
    const emptyMean = seen.kind === 'count' && maskRoot.some((m) => identifiersIn(num).includes(m));
    // a loss summed and divided by a count or a sum of weights/scores: a weighted mean, whose divisor below 1 only scales up
    const lossSum = isSumCall(num) || /loss/i.test(num.text) || /loss/i.test(targetText(node));
    const normalizer = seen.kind === 'count' || (seen.kind === 'sum' && lossSum && WEIGHTS.test(seen.definition?.value.text ?? den.text));
    const fix = (target: PyNode): HazardFix =>
      normalizer
        ? {
            title: seen.kind === 'count' ? `Divide by at least 1 (an empty selection then gives 0, not 0/0)` : `Divide by at least 1 (${short(target.text)} below 1 only scales the loss up)`,
            edits: [this.edit(target, this.floor(target, null, '1'))],
          }
        : { title: `Keep ${short(target.text)} at least {eps}`, edits: [this.edit(target, this.floor(target, null, '{eps}'))] };
    const at = operator ? this.rangeBetween(operator, den) : this.rangeOf(node);
    const detail: Partial<NumericHazard> = {
      operand: { text: den.text, kind: seen.kind },
      guard: this.guardOf(guard),
      eps: guard === seen.guard ? this.guardEps(seen) : null,
      epsUse: normalizer ? null : 'div',
      fixes: [fix(den)],
    };
    if (seen.exp.length) detail.handSoftmax = true;
    const hazard: HazardKind = emptyMean ? 'empty-mean' : 'div';
    this.pushAt(at, node.text, hazard, 'site', site, detail);
    // where the divisor is computed (`target_scores_sum = target_scores.sum()`), when it is a plain local
    const def = seen.definition;
    if (den.type === 'identifier' && def && def.operator === '=' && !def.indexed && def.unpacked === null && this.flow.functionAt(def.statement) === site.fn) {
      const value = this.ops.of(def.value, site.fn);
      if (value.kind === seen.kind && value.guard === null) this.push(def.value, hazard, 'divisor', site, { ...detail, fixes: [fix(def.value)] });
    }
    if (guard?.kind === 'nonzero-only') this.push(guard.node, hazard, 'guard', site, detail);
  }

  /** `if s > 0:` (only excludes exactly 0) or `if s > 1:` (a threshold) around a division by `s`, or an early exit before it. */
  private conditionGuard(node: PyNode, den: PyNode, seen: Seen, fn: PyFunction): Guard | null {
    if (den.type !== 'identifier' && den.type !== 'attribute') return null;
    const name = den.text;
    const judge = (condition: PyNode, inThen: boolean): Guard | null => {
      const test = comparison(condition, name, (n) => numberOf(n, this.flow, fn)?.value ?? null);
      const bound = test && lowerBound(test, inThen);
      if (!bound) return null;
      // a count is an integer: above 0 means at least 1
      const kind: GuardKind = bound === 'threshold' ? 'threshold' : seen.kind === 'count' ? 'count-check' : 'nonzero-only';
      return { kind, node: condition };
    };
    for (let p = node.parent; p && p.id !== fn.node.id; p = p.parent) {
      if (p.type === 'if_statement' || p.type === 'elif_clause') {
        const condition = p.childForFieldName('condition');
        const body = p.childForFieldName('consequence');
        if (!condition || !body) continue;
        const inThen = body.startIndex <= node.startIndex && node.endIndex <= body.endIndex;
        const g = judge(condition, inThen);
        if (g) return g;
      }
      if (p.type === 'conditional_expression') {
        const [yes, condition] = kids(p);
        const g = condition && judge(condition, yes.startIndex <= node.startIndex && node.endIndex <= yes.endIndex);
        if (g) return g;
      }
      if (p.parent?.type === 'block' || p.parent?.type === 'module') {
        // `if s == 0: return …` before the division
        for (let s = p.previousNamedSibling; s; s = s.previousNamedSibling) {
          if (s.type !== 'if_statement' || !exits(s.childForFieldName('consequence'))) continue;
          const condition = s.childForFieldName('condition');
          const g = condition && judge(condition, false);
          if (g) return g;
        }
      }
    }
    return null;
  }

  // ---- sqrt ----

  private sqrt(node: PyNode, operand: PyNode, form: 'argument' | 'receiver' | 'power'): void {
    const site = this.site(node);
    const seen = this.ops.of(operand, site.fn);
    this.underflow(seen, site);
    if (!SQRT_OPERAND.has(seen.kind) || underNoGrad(node)) return;
    const text = form === 'argument' ? `${operand.text} + {eps}` : `(${operand.text} + {eps})`;
    this.push(node, 'sqrt', 'site', site, {
      operand: { text: operand.text, kind: seen.kind },
      guard: this.guardOf(seen.guard),
      eps: this.guardEps(seen),
      epsUse: 'sqrt',
      fixes: [{ title: `Add {eps} under the square root`, edits: [this.edit(operand, text)] }],
    });
  }

  /** `tf.norm(anchor - positive, ord='euclidean', axis=-1)`: a distance that is 0 for equal embeddings. */
  private euclideanNorm(call: PyNode, parts: CallParts): void {
    const operand = parts.positional[0] ?? parts.keywords.get('tensor');
    const ord = parts.keywords.get('ord') ?? parts.positional[1];
    if (!operand || (ord && !['euclidean', 'fro', 2].includes(literal(ord) as string | number))) return;
    const site = this.site(call);
    const seen = this.ops.of(operand, site.fn);
    if (!SQRT_OPERAND.has(seen.kind) || underNoGrad(call)) return;
    const axis = parts.keywords.get('axis') ?? parts.positional[2];
    const keepdims = parts.keywords.get('keepdims');
    const args = [`tf.square(${operand.text})`, ...(axis ? [`axis=${axis.text}`] : []), ...(keepdims ? [`keepdims=${keepdims.text}`] : [])].join(', ');
    this.push(call, 'sqrt', 'site', site, {
      operand: { text: operand.text, kind: seen.kind },
      guard: null,
      eps: null,
      epsUse: 'sqrt',
      fixes: [{ title: 'Take the square root with {eps} under it (its gradient at 0 is NaN)', edits: [this.edit(call, `tf.sqrt(tf.reduce_sum(${args}) + {eps})`)] }],
    });
  }

  // ---- exp ----

  private exp(call: PyNode, operand: PyNode): void {
    const site = this.site(call);
    const seen = this.ops.of(operand, site.fn);
    if (seen.bounded || ['constant', 'none', 'nonpositive', 'logprob', 'positive', 'mask', 'count'].includes(seen.kind)) return;
    const hand = this.handSoftmax(call, site.fn);
    if (!hand && seen.kind !== 'logit') return;
    const root = hand?.indexed ? this.logitRoot(operand, site.fn) : operand.text;
    const fixes: HazardFix[] = [];
    if (root) {
      const module = this.ops.moduleOf(call.childForFieldName('function')!) ?? '';
      const max = /^tensorflow/.test(module) ? `tf.reduce_max(${root})` : /^keras/.test(module) ? `K.max(${root})` : `${root}.max()`;
      const exps = hand && !hand.indexed ? hand.exps.filter((e) => this.ops.subject(e)?.text === operand.text) : [call];
      const edits = (exps.length ? exps : [call]).map((e) => this.ops.subject(e)!).filter(Boolean).map((o) => this.edit(o, `${paren(o)} - ${max}`));
      fixes.push({ title: `Subtract the max before exp (${hand ? 'the softmax is unchanged' : 'or use log-space'})`, edits });
    } else {
      fixes.push({ title: 'Clamp the exponent to at most {eps}', edits: [this.edit(operand, `${paren(operand)}.clamp(max={eps})`)] });
    }
    this.push(call, 'exp', 'site', site, {
      operand: { text: operand.text, kind: hand ? 'logit' : seen.kind },
      epsUse: root ? null : 'exp-max',
      handSoftmax: !!hand,
      fixes,
    });
  }

  /** exp(x) normalized by the sum of the same exps, in one expression or through a variable. */
  private handSoftmax(call: PyNode, fn: PyFunction): { exps: PyNode[]; indexed: boolean } | null {
    for (let p = call.parent; p && p.type !== 'block' && p.type !== 'module'; p = p.parent) {
      if (p.type === 'binary_operator' && p.childForFieldName('operator')?.type === '/') {
        const left = p.childForFieldName('left')!;
        if (!(left.startIndex <= call.startIndex && call.endIndex <= left.endIndex)) continue;
        const den = this.ops.of(p.childForFieldName('right')!, fn);
        if (den.kind === 'sum' && den.exp.length) return { exps: [call, ...den.exp], indexed: false };
      }
    }
    const statement = statementOf(call);
    if (statement?.type !== 'assignment' && statement?.type !== 'augmented_assignment') return null;
    const target = statement.childForFieldName('left');
    if (!target) return null;
    const indexed = target.type === 'subscript';
    const name = (indexed ? rootOf(target) : target)?.text;
    for (const d of this.flow.ownNodes(fn, ['binary_operator', 'augmented_assignment'])) {
      if (d.startIndex < statement.endIndex || !['/', '/='].includes(d.childForFieldName('operator')?.type ?? '')) continue;
      const left = d.childForFieldName('left')!;
      if (left.text !== name) continue;
      const den = this.ops.of(d.childForFieldName('right')!, fn);
      if (den.kind === 'sum' && den.exp.some((e) => e.id === call.id)) return { exps: den.exp, indexed };
    }
    return null;
  }

  /** `logits` for `torch.exp(logits_max)` with `logits_max = torch.max(logits[idx])`: the whole tensor to shift by. */
  private logitRoot(operand: PyNode, fn: PyFunction): string | null {
    let node: PyNode | null = unparen(operand);
    let reduced = false;
    for (let depth = 0; node && depth < 8; depth++) {
      if (node.type === 'call' && REDUCTION.has(lastName(node.childForFieldName('function')) ?? '')) {
        node = this.ops.subject(node);
        reduced = true;
      } else if (node.type === 'subscript') {
        node = node.childForFieldName('value');
        reduced = true;
      } else if (node.type === 'identifier') {
        const here: PyNode = node;
        const last: Assignment | undefined = this.flow.assignedBefore(fn, here.text, here.startIndex).filter((a) => a.operator === '=' && !a.indexed && a.unpacked === null).at(-1);
        const value = last && unparen(last.value);
        const through = value && ((value.type === 'call' && REDUCTION.has(lastName(value.childForFieldName('function')) ?? '')) || value.type === 'subscript');
        if (!through) return reduced ? here.text : null;
        node = value;
      } else {
        return reduced && node.type === 'attribute' ? node.text : null;
      }
    }
    return null;
  }

  // ---- a mean over a selection ----

  private emptyMean(call: PyNode, parts: CallParts): void {
    const name = parts.name ?? '';
    const fn = this.flow.functionAt(call);
    let operands: PyNode[] = [];
    let reduction: PyNode | null = null;
    const meanReduced = (kw: PyNode | undefined) => !kw || ['mean', 'elementwise_mean'].includes(stringValue(kw) ?? '') || kw.type === 'identifier';
    if (MEAN.has(name)) {
      const s = this.ops.subject(call);
      operands = s ? [s] : [];
    } else if (FUNCTIONAL_LOSS.test(name) && (this.ops.isModuleCall(parts.callee) || parts.callee.type === 'identifier')) {
      if (!meanReduced(parts.keywords.get('reduction'))) return;
      operands = parts.positional.slice(0, 2);
    } else if (name === 'forward' && /^super\(/.test(parts.callee.text) && fn.bases.some((b) => TORCH_LOSS.has(b.split('.').pop() ?? ''))) {
      operands = parts.positional.slice(0, 2);
      const init = this.flow.functions.find((f) => f.className === fn.className && f.name === '__init__');
      const def = init?.params.get('reduction');
      if (def && stringValue(def) === 'mean') reduction = def;
    } else {
      const ctor = this.constructed(parts.callee, fn);
      const built = ctor && callParts(ctor);
      if (!built || !TORCH_LOSS.has(built.name ?? '') || !meanReduced(built.keywords.get('reduction') ?? built.positional[REDUCTION_AT[built.name!]])) return;
      operands = parts.positional.slice(0, 2);
    }
    const sel = operands.map((o) => this.selection(o, fn, 0)).find((s) => s !== null);
    if (!sel) return;
    const site = this.site(call);
    const guard = this.countGuard(call, sel, fn);
    const fix: HazardFix = {
      title: `Return 0 (with its gradient) when ${short(sel.text)} selects nothing`,
      edits: [this.edit(call, `(${call.text} if ${sel.text}.numel() > 0 else ${sel.text}.sum() * 0.0)`)],
    };
    const mask = { text: sel.mask.text, line: this.rangeOf(sel.mask).start.line };
    const detail: Partial<NumericHazard> = { operand: { text: sel.text, kind: 'selection' }, mask, guard: this.guardOf(guard), fixes: [fix] };
    this.push(call, 'empty-mean', 'site', site, detail);
    if (reduction) this.push(reduction, 'empty-mean', 'reduction', site, detail);
    for (const m of identifiersIn(sel.mask)) {
      for (const source of this.maskSources(m, fn, sel.mask.startIndex, false, 0, new Set())) {
        this.push(source.node, 'empty-mean', 'mask-source', site, { ...detail, fixes: source.fix ? [source.fix, fix] : [fix] });
      }
    }
  }

  /** The loss object a call goes through: `self.bce_loss = nn.BCELoss()` … `self.bce_loss(p, t)`. */
  private constructed(callee: PyNode, fn: PyFunction): PyNode | null {
    if (callee.type === 'call') return callee;
    const set = callee.type === 'attribute' && callee.text.startsWith('self.') ? this.flow.selfAssignments(fn, callee.text) : callee.type === 'identifier' ? this.flow.assignedBefore(fn, callee.text, callee.startIndex) : [];
    const value = set[set.length - 1]?.value;
    return value?.type === 'call' ? value : null;
  }

  /** `x[mask]`, `torch.masked_select(x, m)`, or a variable holding one, seen through view/float. */
  private selection(node: PyNode, fn: PyFunction, depth: number): { text: string; mask: PyNode } | null {
    if (depth > 4) return null;
    const n = unparen(node);
    if (n.type === 'call') {
      const name = lastName(n.childForFieldName('function')) ?? '';
      if (name === 'masked_select') {
        const mask = callParts(n).positional[this.ops.isModuleCall(n.childForFieldName('function')!) ? 1 : 0];
        return mask ? { text: n.text, mask } : null;
      }
      const s = TRANSPARENT.has(name) ? this.ops.subject(n) : null;
      return s ? this.selection(s, fn, depth + 1) : null;
    }
    if (n.type === 'subscript') {
      const mask = n.childrenForFieldName('subscript').find((i): i is PyNode => !!i && this.ops.isMask(i, fn));
      return mask ? { text: n.text, mask } : null;
    }
    if (n.type === 'identifier') {
      const before = this.flow.assignedBefore(fn, n.text, n.startIndex).filter((a) => a.operator === '=' && !a.indexed && a.unpacked === null);
      const last = before[before.length - 1];
      const found = last && this.selection(last.value, fn, depth + 1);
      return found ? { text: n.text, mask: found.mask } : null;
    }
    return null;
  }

  /** An `if` (or early exit) that tests how many elements the mask or the selection has. */
  private countGuard(node: PyNode, sel: { text: string; mask: PyNode }, fn: PyFunction): Guard | null {
    const names = new Set([...identifiersIn(sel.mask), ...identifiersIn(sel.text.includes('[') ? sel.mask.parent ?? sel.mask : sel.mask), sel.text]);
    const counts = (condition: PyNode): boolean => {
      for (const c of ofType(condition, 'call')) {
        const name = lastName(c.childForFieldName('function')) ?? '';
        if (/^(any|all|sum|numel|count_nonzero|nonzero|len|size)$/.test(name) && identifiersIn(c).some((i) => names.has(i))) return true;
      }
      for (const id of ofType(condition, 'identifier')) {
        const value = this.flow.assignedBefore(fn, id.text, condition.startIndex).at(-1)?.value;
        if (value && /\b(sum|numel|count_nonzero|any|len|shape|size)\b/.test(value.text) && identifiersIn(value).some((i) => names.has(i))) return true;
      }
      return ofType(condition, 'attribute').some((a) => a.childForFieldName('attribute')?.text === 'shape' && identifiersIn(a).some((i) => names.has(i)));
    };
    for (let p = node.parent; p && p.id !== fn.node.id; p = p.parent) {
      const condition = p.type === 'if_statement' || p.type === 'elif_clause' || p.type === 'while_statement' ? p.childForFieldName('condition') : p.type === 'conditional_expression' ? kids(p)[1] : null;
      if (condition && counts(condition)) return { kind: 'count-check', node: condition };
      if (p.parent?.type === 'block' || p.parent?.type === 'module') {
        for (let s = p.previousNamedSibling; s; s = s.previousNamedSibling) {
          const c = s.type === 'if_statement' && exits(s.childForFieldName('consequence')) ? s.childForFieldName('condition') : null;
          if (c && counts(c)) return { kind: 'count-check', node: c };
        }
      }
    }
    return null;
  }

  /** Calls that narrow a mask before a mean uses it (`mask = get_mask_subset_prob(mask, p)`, `m &= ~other`). */
  private maskSources(name: string, fn: PyFunction, at: number, subtract: boolean, depth: number, visited: Set<string>): { node: PyNode; fix: HazardFix | null }[] {
    const key = `${name}@${at}`;
    if (depth > 6 || visited.has(key)) return [];
    visited.add(key);
    const out: { node: PyNode; fix: HazardFix | null }[] = [];
    for (const a of this.flow.assignedBefore(fn, name, at)) {
      if (a.operator === '|=' || a.unpacked !== null) continue;
      let v: PyNode | null = unparen(a.value);
      let sub = subtract;
      if (v.type === 'unary_operator' && v.childForFieldName('operator')?.type === '~') {
        sub = !sub;
        v = unparen(v.childForFieldName('argument')!);
      }
      while (v && v.type === 'call' && TRANSPARENT.has(lastName(v.childForFieldName('function')) ?? '')) v = this.ops.subject(v);
      if (!v) continue;
      if (v.type === 'identifier') out.push(...this.maskSources(v.text, fn, a.statement.startIndex, sub, depth + 1, visited));
      else if (v.type === 'call' && MASK_SOURCE.test(lastName(v.childForFieldName('function')) ?? '')) out.push({ node: v, fix: sub ? null : this.minimumFix(v) });
      else if (v.type === 'comparison_operator' && /\brand|bernoulli|uniform/.test(v.text)) out.push({ node: v, fix: null });
    }
    return out;
  }

  /** `f(mask, p)` → `f(mask, p, min_mask=1)` when `f` here has a `min_…` parameter that defaults to 0. */
  private minimumFix(call: PyNode): HazardFix | null {
    const parts = callParts(call);
    const def = parts.name ? this.flow.functionNamed(parts.name) : undefined;
    if (!def) return null;
    for (const [param, value] of def.params) {
      if (!/^min_\w+/.test(param) || parts.keywords.has(param) || !value || !['0', '0.', '0.0', 'None'].includes(value.text)) continue;
      const args = call.childForFieldName('arguments')!;
      const close = args.endIndex - 1;
      const sep = kids(args).length ? ', ' : '';
      return { title: `Keep at least one position (${param}=1)`, edits: [{ range: this.range(close, close), newText: `${sep}${param}=1` }] };
    }
    return null;
  }

  // ---- epsilons that vanish in the dtype ----

  /** An epsilon guard below fp16's smallest subnormal (`+ 1e-16`): 0 when the value is fp16. */
  private underflow(seen: Seen, site: Site): void {
    if (!seen.eps || seen.eps.value >= FP16_MIN_SUBNORMAL) return;
    const lit = seen.eps.node;
    this.push(lit, 'eps-underflow', 'eps', site, {
      eps: { value: seen.eps.value, text: lit.text, range: this.rangeOf(lit), nearOne: false, matters: true },
      guard: this.guardOf(seen.guard),
      epsUse: 'add',
      fixes: [{ title: 'Use an epsilon of {eps} (representable in the training precision)', edits: [this.edit(lit, '{eps}')] }],
    });
  }

  /** `clip(p, eps, 1 - eps)` with `1 - eps` that rounds to 1 in float32 (or the run's half precision). */
  private nearOne(call: PyNode): void {
    const parts = callParts(call);
    const module = this.ops.isModuleCall(parts.callee);
    const hi = parts.keywords.get('max') ?? parts.keywords.get('a_max') ?? parts.keywords.get('clip_value_max') ?? parts.positional[module ? 2 : 1];
    if (!hi) return;
    const terms = additiveTerms(hi);
    if (terms.length !== 2 || literal(terms[0].node) !== 1 || terms[1].sign > 0) return;
    const site = this.site(call);
    const eps = numberOf(terms[1].node, this.flow, site.fn);
    if (!eps || eps.value <= 0 || eps.value >= NEAR_ONE_LIMIT) return;
    // the upper bound matters where log(1 - p) is taken: binary cross-entropy
    const after = site.fn.node.text.slice(call.endIndex - site.fn.node.startIndex);
    const matters = /binary|bce|sigmoid/i.test(site.fn.name) || /binary_cross|bce|log\(\s*1(\.0*)?\s*-/i.test(after);
    const detail: Partial<NumericHazard> = {
      eps: { value: eps.value, text: eps.node.text, range: this.rangeOf(eps.node), nearOne: true, matters },
      epsUse: 'near-one',
      fixes: [{ title: 'Use an epsilon of {eps} (1 - eps stays below 1 in the training precision)', edits: [this.edit(eps.node, '{eps}')] }],
    };
    this.push(call, 'eps-underflow', 'site', site, detail);
    if (eps.node.startIndex < call.startIndex || eps.node.endIndex > call.endIndex) this.push(eps.node, 'eps-underflow', 'eps', site, detail);
  }

  // ---- CTC ----

  /** `nn.CTCLoss(...)` / `F.ctc_loss(...)` without `zero_infinity=True`. */
  private ctcZeroInfinity(call: PyNode): void {
    const parts = callParts(call);
    const site = this.site(call);
    const zi = parts.keywords.get('zero_infinity');
    const at = zi && zi.type === 'identifier' ? (site.fn.params.get(zi.text) ?? null) : (zi ?? null);
    if (zi && !at) return;
    if (at && at.type !== 'false') return;
    const args = call.childForFieldName('arguments')!;
    const close = args.endIndex - 1;
    const fix: HazardFix = at
      ? { title: 'Set zero_infinity=True (infeasible samples give 0 loss and 0 gradient)', edits: [this.edit(at, 'True')] }
      : { title: 'Set zero_infinity=True (infeasible samples give 0 loss and 0 gradient)', edits: [{ range: this.range(close, close), newText: `${kids(args).length ? ', ' : ''}zero_infinity=True` }] };
    // a CTC loss is loss code wherever it is built (often a model's __init__)
    this.push(at ?? call, 'ctc-zero-infinity', 'site', site, { operand: { text: zi?.text ?? 'zero_infinity (default False)', kind: 'tensor' }, lossCode: true, fixes: [fix] });
  }

  /** The target lengths given to a CTC loss, unclamped. */
  private ctcLengths(call: PyNode, parts: CallParts): void {
    const fn = this.flow.functionAt(call);
    const ctor = parts.name === 'ctc_loss' && this.ops.isModuleCall(parts.callee) ? call : this.constructed(parts.callee, fn);
    if (!ctor || !['CTCLoss', 'ctc_loss'].includes(callParts(ctor).name ?? '')) return;
    const lengths = parts.keywords.get('target_lengths') ?? parts.positional[3];
    if (!lengths) return;
    const zi = callParts(ctor).keywords.get('zero_infinity');
    const ziValue = zi?.type === 'identifier' ? this.flow.functionAt(ctor).params.get(zi.text) : zi;
    const site = this.site(call);
    const guard = ziValue?.type === 'true' ? { kind: 'zero-infinity' as const, text: oneLine(ziValue.text), range: this.rangeOf(ziValue) } : null;
    let value: PyNode = lengths;
    if (lengths.type === 'identifier') {
      const before = this.flow.assignedBefore(fn, lengths.text, lengths.startIndex).filter((a) => a.operator === '=' && !a.indexed && a.unpacked === null);
      const last = before[before.length - 1];
      if (!last) return;
      value = last.value;
    }
    if (/clamp|clip|\bmin\b|minimum/.test(value.text)) return;
    this.push(value, 'ctc-lengths', 'site', site, {
      operand: { text: lengths.text, kind: 'count' },
      guard,
      fixes: [{ title: 'Clamp the target lengths to at least 1', edits: [this.edit(value, `${paren(value)}.clamp(min=1)`)] }],
    });
  }

  // ---- output ----

  /** Where a hazard is; what it feeds is worked out only when something is reported there. */
  private site(node: PyNode): Site {
    const fn = this.flow.functionAt(node);
    let base: Site['base'] | undefined;
    let ref: Site['ref'] | undefined;
    const flow = this.flow;
    const range = this.range;
    return {
      fn,
      get base() {
        if (base) return base;
        const terms = flow.termsOf(node);
        return (base = { function: fn === flow.module ? null : fn.qualified, lossCode: flow.isLossCode(fn, terms), terms, fp32: inFp32Block(node) });
      },
      get ref() {
        const statement = statementOf(node) ?? node;
        return (ref ??= { line: range(statement.startIndex, statement.startIndex).start.line, text: oneLine(statement.text) });
      },
    };
  }

  private push(node: PyNode, hazard: HazardKind, role: HazardRole, site: Site, detail: Partial<NumericHazard>): void {
    this.pushAt(this.rangeOf(node), node.text, hazard, role, site, detail);
  }

  private pushAt(range: Range, text: string, hazard: HazardKind, role: HazardRole, site: Site, detail: Partial<NumericHazard>): void {
    const key = `${hazard}:${role}:${range.start.line}:${range.start.character}:${range.end.line}:${range.end.character}`;
    const earlier = this.keys.get(key);
    // one epsilon shared by several clips: it matters if it matters for any of them
    if (earlier) {
      if (detail.eps?.matters && earlier.detail.eps && !earlier.detail.eps.matters) Object.assign(earlier.detail, site.base, detail, { site: role === 'site' ? null : site.ref });
      return;
    }
    const found: FoundHazard = {
      range,
      text: oneLine(text),
      detail: {
        hazard,
        role,
        ...site.base,
        operand: null,
        guard: null,
        eps: null,
        epsUse: null,
        site: role === 'site' ? null : site.ref,
        fixes: [],
        ...detail,
      },
    };
    this.keys.set(key, found);
    this.out.push(found);
  }

  private guardOf(guard: Guard | null): NumericHazard['guard'] {
    return guard ? { kind: guard.kind, text: oneLine(guard.node.text), range: this.rangeOf(guard.node) } : null;
  }

  /** The epsilon a guard adds or clamps to, so the rule can tell whether it survives the training precision. */
  private guardEps(seen: Seen): NumericHazard['eps'] {
    return seen.guard && seen.eps ? { value: seen.eps.value, text: seen.eps.node.text, range: this.rangeOf(seen.eps.node), nearOne: false, matters: true } : null;
  }

  private rangeOf(node: PyNode): Range {
    return this.range(node.startIndex, node.endIndex);
  }

  private rangeBetween(from: PyNode, to: PyNode): Range {
    return this.range(from.startIndex, to.endIndex);
  }

  private edit(node: PyNode, newText: string): { range: Range; newText: string } {
    return { range: this.rangeOf(node), newText };
  }

  /** `x` kept at least `floor`, in the call's framework: `x.clamp(min=…)`, `np.clip(x, …, None)`, `tf.maximum(x, …)`. */
  private floor(node: PyNode, call: PyNode | null, floor: string): string {
    const module = (call && this.ops.moduleOf(call.childForFieldName('function')!)) ?? moduleIn(node.text) ?? 'torch';
    const prefix = call ? (call.childForFieldName('function')?.childForFieldName('object')?.text.split('.')[0] ?? '') : (node.text.match(/^(\w+)\./)?.[1] ?? '');
    if (/^(numpy|jax)/.test(module)) return `${prefix || 'np'}.clip(${node.text}, ${floor}, None)`;
    if (/^(tensorflow|keras|theano)/.test(module)) return `${prefix || 'tf'}.maximum(${node.text}, ${floor})`;
    return `${paren(node)}.clamp(min=${floor})`;
  }
}

/** The numeric module an expression's leading call names (`np.sum(x)` → numpy), if any. */
function moduleIn(text: string): string | null {
  const m = /^(\w+)\.\w+\(/.exec(text);
  if (!m) return null;
  return /^(np|numpy|jnp)$/.test(m[1]) ? 'numpy' : /^(tf|K|T)$/.test(m[1]) ? 'tensorflow' : null;
}

type Test = '>' | '>=' | '<' | '<=' | '==' | '!=' | 'truthy' | 'falsy';
const NEGATE: Record<Test, Test> = { '>': '<=', '>=': '<', '<': '>=', '<=': '>', '==': '!=', '!=': '==', truthy: 'falsy', falsy: 'truthy' };
const FLIP: Record<string, Test> = { '>': '<', '<': '>', '>=': '<=', '<=': '>=', '==': '==', '!=': '!=' };

/** A condition on `name` as `name OP bound` (`1 < s` → `s > 1`, `not s` → falsy). */
function comparison(condition: PyNode, name: string, valueOf: (n: PyNode) => number | null): { op: Test; bound: number } | null {
  const c = unparen(condition);
  if (c.type === 'identifier' || c.type === 'attribute') return c.text === name ? { op: 'truthy', bound: 0 } : null;
  if (c.type === 'not_operator') {
    const inner = comparison(c.childForFieldName('argument')!, name, valueOf);
    return inner && { op: NEGATE[inner.op], bound: inner.bound };
  }
  if (c.type === 'boolean_operator' && c.childForFieldName('operator')?.type === 'and') {
    return comparison(c.childForFieldName('left')!, name, valueOf) ?? comparison(c.childForFieldName('right')!, name, valueOf);
  }
  if (c.type !== 'comparison_operator') return null;
  const [a, b] = kids(c);
  const op = c.children.find((x) => x && !x.isNamed)?.type;
  if (!a || !b || !op || !(op in FLIP)) return null;
  // `s.item() > 0` tests `s`
  const tested = (n: PyNode) => (n.type === 'call' && lastName(n.childForFieldName('function')) === 'item' ? (n.childForFieldName('function')?.childForFieldName('object') ?? n) : n);
  const left = tested(a).text === name;
  const right = tested(b).text === name;
  // `s > 0`, `s > eps` with `eps=1e-10` a parameter default or a constant
  const bound = valueOf(left ? b : a);
  if ((!left && !right) || typeof bound !== 'number') return null;
  return { op: left ? (op as Test) : FLIP[op], bound };
}

/** What a branch taken under `test` (or its negation) says about the value: above a threshold, only not 0, or nothing. */
function lowerBound(test: { op: Test; bound: number }, taken: boolean): 'threshold' | 'nonzero' | null {
  const op = taken ? test.op : NEGATE[test.op];
  if ((op === '>' || op === '>=') && test.bound > 0) return 'threshold';
  if ((op === '>' && test.bound === 0) || (op === '!=' && test.bound === 0) || op === 'truthy') return 'nonzero';
  return null;
}

function exits(block: PyNode | null): boolean {
  const last = block ? kids(block).filter((n) => n.type !== 'comment').at(-1) : undefined;
  return !!last && ['return_statement', 'continue_statement', 'raise_statement', 'break_statement'].includes(last.type);
}

function inFp32Block(node: PyNode): boolean {
  for (let p = node.parent; p; p = p.parent) {
    if (p.type !== 'with_statement') continue;
    for (const item of ofType(p, 'with_item')) {
      const v = item.childForFieldName('value');
      if (v?.type !== 'call' || !/autocast/.test(lastName(v.childForFieldName('function')) ?? '')) continue;
      const parts = callParts(v);
      const enabled = parts.keywords.get('enabled') ?? (parts.positional[0]?.type === 'false' ? parts.positional[0] : undefined);
      if (enabled?.type === 'false') return true;
    }
  }
  return false;
}

function underNoGrad(node: PyNode): boolean {
  for (let p = node.parent; p; p = p.parent) {
    if (p.type === 'with_statement' && /no_grad|inference_mode/.test(p.childForFieldName('body') ? p.text.slice(0, p.childForFieldName('body')!.startIndex - p.startIndex) : '')) return true;
    if (p.type === 'decorated_definition' && /no_grad|inference_mode/.test(kids(p).filter((n) => n.type === 'decorator').map((n) => n.text).join(' '))) return true;
  }
  return false;
}

function unparen(node: PyNode): PyNode {
  let n = node;
  while (n.type === 'parenthesized_expression') {
    const inner = kids(n).filter((k) => k.type !== 'comment');
    if (inner.length !== 1) break;
    n = inner[0];
  }
  return n;
}

/** Identifier names in an expression (attribute fields excluded). */
function identifiersIn(node: PyNode): string[] {
  return ofType(node, 'identifier')
    .filter((n) => !(n.parent?.type === 'attribute' && n.parent.childForFieldName('attribute')?.id === n.id) && !(n.parent?.type === 'keyword_argument' && n.parent.childForFieldName('name')?.id === n.id))
    .map((n) => n.text);
}

function isSumCall(node: PyNode): boolean {
  const n = unparen(node);
  return n.type === 'call' && ['sum', 'nansum', 'reduce_sum'].includes(lastName(n.childForFieldName('function')) ?? '');
}

function targetText(node: PyNode): string {
  const s = statementOf(node);
  return (s?.type === 'assignment' || s?.type === 'augmented_assignment' ? s.childForFieldName('left')?.text : '') ?? '';
}

const PRIMARY = new Set(['identifier', 'attribute', 'call', 'subscript', 'parenthesized_expression', 'integer', 'float']);

/** An expression's text, in parentheses unless it is a name, attribute, call or subscript already. */
function paren(node: PyNode): string {
  return PRIMARY.has(node.type) ? node.text : `(${node.text})`;
}

function short(text: string): string {
  const t = oneLine(text);
  return t.length > 40 ? `${t.slice(0, 37)}…` : t;
}
