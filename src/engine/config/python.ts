// Python locator (tree-sitter): argparse defaults, optimizer/trainer keyword arguments,
// config-dict modules (mmengine), and the script facts the rules read.
//
// Fact details (an argument is { text, range, value? (literals only), configKey: 'solver.adam_epsilon' | null }):
//   optimizer           { class, classes, callee, kwargs: { lr, eps, … : argument }, params, modules }
//   half-cast           { module, dtypeExpr, dtypes: [{ dtype, when, configKey, configValue }], trainable, trainableEvidence }
//   validation-trigger  { everyKey, every: argument | null, stepVariable, hardcodedSteps, hardcodedRange, removeRange, condition }
//   grad-scaler         { source: 'accelerator', mixedPrecision: argument | null } | { source: 'GradScaler' | …, kwargs }
//   autocast            { dtype, device, kwargs, function } | { policy, framework: 'keras' }
//   clip-grad-norm      { function, maxNorm: argument | null }
//   config-default      { option, path }
//   nan-guard           { function }
//   shared-modules      { context, uses: [{ how: 'pipeline'|'cast'|'eval'|'hooks', text, range, inFunction }] }
//   numeric-hazard      NumericHazard (./python-hazards.ts): { hazard, role, function, lossCode, terms, operand, guard, eps, fixes, … }
//   cli-flag            { dest, option, default }  (store_true / store_false without a default)
//   pretrained-model    { class, name: argument | null, keyword }
//   forward-call        { class, callee, bound, autocastOff, statement }
//   module-forward      { class, returned, autocastOff, statement }
//   uninitialized-parameter { target, class, indent, afterLine }  (./python-uninitialized.ts)
// Values and facts set inside a branch carry `when`, the config condition of that branch.
import type { BranchCondition, LocatedFile, LocatedValue, Range, ScriptFact } from '../types';
import { callParts, conditionalParts, unparen, isLiteral, kids, lastName, literal, ofType, oneLine, stringValue, type CallParts, type PyNode } from './pyast';
import { joinKey, lastKey, LineIndex } from './text';
import { pythonParser } from './treesitter';
import { findValidationTriggers } from './python-validation';
import { findSharedModules } from './python-shared-modules';
import { PythonScope } from './python-scope';
import { findNumericHazards } from './python-hazards';
import { findUninitializedParameters } from './python-uninitialized';
import { namesRead } from './python-names';
import { forwardFacts, pretrainedKeyword, type Statement } from './python-models';
import { holds, type ConfigLookup } from './conditions';

// Calls whose literal keyword arguments are settings a user tunes (reported as LocatedValues).
const SETTINGS_CALLS =
  /^(Trainer|TrainingArguments|Seq2SeqTrainingArguments|SFTConfig|DPOConfig|GRPOConfig|Accelerator|GradScaler|ShardedGradScaler|get_scheduler|get_linear_schedule_with_warmup|get_cosine_schedule_with_warmup|get_constant_schedule_with_warmup|OneCycleLR|LinearLR|CosineAnnealingLR|LossScaleOptimizer|ModelCheckpoint|EarlyStopping)$/;
const CLIPPERS = /^(clip_grad_norm_|clip_grad_norm|clip_grad_value_|clip_grad_value|clip_by_global_norm|clip_by_norm)$/;
const CONFIG_OPTION = /^(config|config_file|config_path|cfg|conf|hparams|hyp)$/;
// Keyword arguments and parameters that choose the training precision, in any call or signature.
const PRECISION_KEYS = /^(fp16|bf16|precision|mixed_precision|amp|use_amp|use_fp16|use_bf16)$/;
const HALF_DTYPE = /float16|\bhalf\b|bfloat16|bf16|fp16|dtype/i;
const FULL_DTYPE = /^(torch\.)?(float32|float|float64|double)$/;

export async function locatePython(file: string, text: string): Promise<LocatedFile> {
  const parser = await pythonParser();
  const tree = parser.parse(text);
  const result: LocatedFile = { file, language: 'python', values: [], facts: [] };
  if (!tree) {
    result.error = `could not parse Python in ${file}`;
    return result;
  }
  try {
    const index = new LineIndex(text);
    const root = tree.rootNode;
    if (root.hasError) result.error = `invalid Python in ${file}: ${firstSyntaxError(root, index) ?? 'syntax error'}`;
    new PythonLocator(file, index, root, result).run();
  } finally {
    tree.delete();
  }
  return result;
}

function firstSyntaxError(node: PyNode, index: LineIndex): string | null {
  if (node.isMissing) return `line ${index.lineNumber(node.startIndex)}: missing \`${node.type}\``;
  if (node.isError) return `line ${index.lineNumber(node.startIndex)}: syntax error near \`${oneLine(node.text).slice(0, 40)}\``;
  if (!node.hasError) return null;
  // Error and missing nodes can be anonymous, so look at every child, not only the named ones.
  for (const child of node.children) {
    const found = child && firstSyntaxError(child, index);
    if (found) return found;
  }
  return null;
}

class PythonLocator {
  private readonly scope: PythonScope;
  private readonly values: LocatedValue[];
  private readonly facts: ScriptFact[];
  private readonly moduleLiterals = new Map<string, LocatedValue>();

  constructor(
    private readonly file: string,
    private readonly index: LineIndex,
    private readonly root: PyNode,
    result: LocatedFile,
  ) {
    this.scope = new PythonScope(root);
    this.values = result.values;
    this.facts = result.facts;
    result.configReads = this.scope.configReads().map((r) => ({ keyPath: r.keyPath, text: r.node.text, range: this.range(r.node) }));
    result.namesRead = namesRead(root);
  }

  run(): void {
    this.moduleValues();
    for (const node of this.scope.calls) this.call(node);
    for (const node of ofType(this.root, 'function_definition')) this.signatureDefaults(node);
    for (const node of ofType(this.root, 'class_definition')) this.dataclassFields(node);
    for (const node of ofType(this.root, 'assignment')) this.configAssignment(node);
    for (const f of forwardFacts(this.root, this.scope)) {
      const { node, statement, kind, ...detail } = f;
      this.fact(kind, node, node.text, { ...detail, statement: statement && this.statement(statement) });
    }
    for (const node of ofType(this.root, ['if_statement', 'elif_clause'])) this.finiteCheck(node);
    for (const trigger of findValidationTriggers(this.root, this.scope)) {
      this.fact('validation-trigger', trigger.node, trigger.text, {
        everyKey: trigger.everyKey,
        every: trigger.every && this.describe(trigger.every),
        stepVariable: trigger.stepVariable,
        hardcodedSteps: trigger.hardcodedSteps,
        hardcodedRange: trigger.hardcoded && this.index.range(trigger.hardcoded[0], trigger.hardcoded[1]),
        removeRange: trigger.remove && this.index.range(trigger.remove[0], trigger.remove[1]),
        condition: trigger.condition.text,
      });
    }
    const copyName = /^\s*import copy\b/m.test(this.root.text) ? 'copy.deepcopy' : /^\s*from copy import .*\bdeepcopy\b/m.test(this.root.text) ? 'deepcopy' : null;
    const firstImport = kids(this.root).find((n) => n.type === 'import_statement' || n.type === 'import_from_statement');
    for (const shared of findSharedModules(this.root, (name) => this.scope.isTrainable(name))) {
      this.fact('shared-modules', shared.take, shared.take.text, {
        context: shared.context,
        copyName,
        importLine: firstImport ? firstImport.startPosition.row : 0,
        uses: shared.uses.map((u) => ({ how: u.how, text: oneLine(u.node.text), range: this.range(u.node), inFunction: u.inFunction ?? null })),
      });
    }
    for (const h of findNumericHazards(this.root, (start, end) => this.index.range(start, end))) this.facts.push({ file: this.file, kind: 'numeric-hazard', ...h });
    for (const u of findUninitializedParameters(this.root)) {
      const statement = u.node.parent?.parent;
      const indent = statement ? ' '.repeat(statement.startPosition.column) : '';
      this.fact('uninitialized-parameter', u.node, u.node.text, { target: u.target, class: u.className, indent, afterLine: statement ? statement.endPosition.row : u.node.endPosition.row });
    }
  }

  // `if not torch.isfinite(loss): …` / `if torch.isnan(loss).any(): …`: the script guards against NaN itself.
  private finiteCheck(statement: PyNode): void {
    const condition = statement.childForFieldName('condition');
    const check = condition && /\b(isfinite|isnan|isinf|is_nan|math\.isnan)\s*\(/.exec(condition.text);
    if (!condition || !check) return;
    this.fact('nan-guard', condition, statement.text.slice(0, condition.endIndex - statement.startIndex) + ':', { function: check[1] });
  }

  // ---- module-level settings (mmengine / plain-Python configs) ----

  private moduleValues(): void {
    for (const statement of kids(this.root)) {
      if (statement.type !== 'expression_statement') continue;
      const assignment = kids(statement)[0];
      if (assignment?.type !== 'assignment') continue;
      const left = assignment.childForFieldName('left');
      const right = assignment.childForFieldName('right');
      if (left?.type !== 'identifier' || !right) continue;
      if (isLiteral(right) || isContainer(right)) this.settingTree(left.text, right, left.startIndex, true);
      else this.computedValue(left, right);
    }
  }

  /**
   * `warmup_iters = 2 * (epoch_size // micro_batch_size) // devices`: arithmetic over numbers and module-level values
   * set above it (nanoGPT's and lit-gpt's configs), recorded with its result as the value and its own text.
   */
  private computedValue(left: PyNode, right: PyNode): void {
    const known = (name: string): number | undefined => {
      const v = this.moduleLiterals.get(name)?.value;
      return typeof v === 'number' ? v : undefined;
    };
    const result = arithmetic(right, known);
    if (result === undefined || !Number.isFinite(result)) return;
    const located = this.value(left.text, right, left.startIndex);
    located.value = result;
    this.moduleLiterals.set(left.text, located);
  }

  /** Records a literal, or walks a dict(...) / {...} / [...] with dotted paths. */
  private settingTree(path: string, node: PyNode, keyStart: number | undefined, topLevel: boolean): void {
    if (node.type === 'call' && callParts(node).name === 'dict' && node.childForFieldName('function')?.type === 'identifier') {
      const keywords = callParts(node).keywords;
      // `optimizer_config = dict()`: an empty setting is a setting (mmcv's default hook, without grad_clip).
      if (keywords.size === 0 && callParts(node).positional.length === 0) this.value(path, node, keyStart);
      for (const [key, value] of keywords) this.settingTree(joinKey(path, key), value, value.parent?.startIndex, false);
      return;
    }
    if (node.type === 'dictionary') {
      for (const pair of kids(node)) {
        if (pair.type !== 'pair') continue;
        const key = pair.childForFieldName('key');
        const value = pair.childForFieldName('value');
        const name = key && stringValue(key);
        if (name !== null && name !== undefined && value) this.settingTree(joinKey(path, name), value, key!.startIndex, false);
      }
      return;
    }
    if (node.type === 'list' || node.type === 'tuple') {
      kids(node)
        .filter((n) => n.type !== 'comment')
        .forEach((item, i) => this.settingTree(`${path}[${i}]`, item, undefined, false));
      return;
    }
    // `val_interval=val_interval`: reported where the module-level value is written, like a YAML alias.
    const named = node.type === 'identifier' ? this.moduleLiterals.get(node.text) : undefined;
    if (named) {
      const { keyRange: _written, ...at } = named;
      this.values.push({ ...at, keyPath: path, key: lastKey(path) });
      return;
    }
    // Inside a config dict a non-literal (`type=AdamW`, `lr=base_lr * 2`) is still the setting's text.
    if (!topLevel || isLiteral(node)) {
      const located = this.value(path, node, keyStart);
      if (topLevel) this.moduleLiterals.set(path, located);
    }
  }

  // ---- calls ----

  private call(node: PyNode): void {
    const parts = callParts(node);
    const name = parts.name;
    if (!name) return;
    if (name === 'add_argument') return this.argument(node, parts);
    const optimizer = this.scope.optimizerClass(parts);
    if (optimizer) return this.optimizer(node, parts, optimizer);
    if (name === 'compile' && parts.keywords.has('optimizer')) return this.kerasCompile(node, parts);
    if (SETTINGS_CALLS.test(name)) this.literalKeywords(parts);
    else this.precisionKeywords(parts);
    if (name === 'from_pretrained') this.pretrained(node, parts);
    else for (const [key, value] of parts.keywords) if (pretrainedKeyword(key, value)) this.fact('pretrained-model', value, value.text, { class: null, name: this.describe(value), keyword: key });
    if (name === 'GradScaler' || name === 'ShardedGradScaler' || name === 'LossScaleOptimizer') {
      this.fact('grad-scaler', node, node.text, { source: name, kwargs: this.keywordDetails(parts) });
    } else if (name === 'Accelerator') {
      const mp = parts.keywords.get('mixed_precision');
      this.fact('grad-scaler', node, node.text, { source: 'accelerator', mixedPrecision: mp ? this.describe(mp) : null });
    } else if (name === 'autocast') {
      const dtype = parts.keywords.get('dtype');
      // `torch.autocast("cpu")` defaults to bf16; `torch.cuda.amp.autocast()` and `torch.autocast("cuda")` to fp16
      const device = parts.keywords.get('device_type') ?? parts.positional[0];
      this.fact('autocast', node, node.text, { dtype: dtype?.text ?? null, device: device ? oneLine(device.text) : null, kwargs: this.keywordDetails(parts), function: enclosingFunction(node) });
    } else if (name === 'set_global_policy' || name === 'set_policy' || name === 'Policy') {
      this.kerasPolicy(node, parts);
    } else if (CLIPPERS.test(name)) {
      const max = parts.keywords.get('max_norm') ?? parts.keywords.get('clip_value') ?? parts.keywords.get('clip_norm') ?? parts.positional[1];
      this.fact('clip-grad-norm', node, node.text, { function: name, maxNorm: max ? this.describe(max) : null });
    } else if (/scaler$/i.test(name) && parts.keywords.has('clip_grad')) {
      // timm's NativeScaler and the MAE/DeiT family's: `loss_scaler(loss, optimizer, clip_grad=args.clip_grad, …)` clips inside
      this.fact('clip-grad-norm', node, node.text, { function: name, maxNorm: this.describe(parts.keywords.get('clip_grad')!) });
    } else if (/^(set_detect_anomaly|detect_anomaly|TerminateOnNaN|enable_check_numerics|check_numerics)$/.test(name)) {
      this.fact('nan-guard', node, node.text, { function: name });
    } else if (name === 'half' || name === 'to' || name === 'bfloat16') {
      this.cast(node, parts);
    }
  }

  private argument(node: PyNode, parts: CallParts): void {
    const flags = parts.positional.map(stringValue).filter((s): s is string => !!s && s.startsWith('-'));
    const flag = flags.find((f) => f.startsWith('--')) ?? flags[0];
    const dest = stringValue(parts.keywords.get('dest') ?? node) ?? flag?.replace(/^-+/, '').replace(/-/g, '_');
    const def = parts.keywords.get('default');
    const action = stringValue(parts.keywords.get('action') ?? node);
    if (dest && !def && (action === 'store_true' || action === 'store_false')) {
      this.fact('cli-flag', node, node.text, { dest, option: flag, default: action === 'store_false' });
    }
    if (!dest || !def) return;
    const located = this.value(dest, def, node.startIndex);
    located.keyRange = this.range(node);
    if (flag) located.option = flag;
    if (CONFIG_OPTION.test(dest)) this.fact('config-default', def, node.text, { option: flag, path: located.value });
  }

  private optimizer(node: PyNode, parts: CallParts, cls: string): void {
    const kwargs = this.keywordDetails(parts);
    const torchStyle = !/keras|tf\./.test(parts.callee.text);
    if (torchStyle && parts.positional[1] && !kwargs.lr) kwargs.lr = this.describe(parts.positional[1]);
    if (!torchStyle && parts.positional[0] && !kwargs.learning_rate) kwargs.learning_rate = this.describe(parts.positional[0]);
    for (const [key, value] of parts.keywords) {
      if (isLiteral(value)) this.value(key, value, value.parent?.startIndex);
      else {
        // `SGD(lr=lrf, …)` with `lrf = learning_rate` and `learning_rate = 0.1` above: the setting is that literal
        const source = this.literalThrough(value);
        if (source && !this.values.some((v) => v.range.start.line === this.range(source).start.line && v.text === source.text)) this.value(key, source, undefined);
      }
    }
    const params = torchStyle ? parts.positional[0] : undefined;
    const choices = this.scope.optimizerChoices(parts);
    this.fact('optimizer', node, node.text, {
      class: cls,
      classes: choices.map((c) => c.class),
      classChoices: choices,
      callee: parts.callee.text,
      kwargs,
      params: params?.text ?? null,
      modules: params ? [...this.scope.modulesIn(params)] : [],
    });
  }

  /** The literal a name holds through plain assignments (each name assigned once in the file), up to three hops. */
  private literalThrough(node: PyNode): PyNode | null {
    let n = unparen(node);
    for (let hop = 0; hop < 3 && n.type === 'identifier'; hop++) {
      const values = this.scope.assignedValues(n.text);
      if (values.length !== 1) return null;
      n = unparen(values[0]);
    }
    return isLiteral(n) && n.type !== 'identifier' ? n : null;
  }

  private kerasCompile(node: PyNode, parts: CallParts): void {
    const opt = parts.keywords.get('optimizer')!;
    const name = stringValue(opt);
    if (name === null) return; // an optimizer object is reported where it is constructed
    this.value('optimizer', opt, opt.parent?.startIndex);
    this.fact('optimizer', node, node.text, { class: name, callee: 'compile', kwargs: { optimizer: this.describe(opt) }, params: null, modules: [] });
  }

  private kerasPolicy(node: PyNode, parts: CallParts): void {
    const policy = parts.positional[0] ?? parts.keywords.get('name');
    if (!policy || !/mixed_precision|keras|Policy/.test(node.text)) return;
    if (isLiteral(policy)) this.value('mixed_precision', policy, undefined);
    this.fact('autocast', node, node.text, { policy: literal(policy) ?? policy.text, framework: 'keras' });
  }

  private literalKeywords(parts: CallParts): void {
    for (const [key, value] of parts.keywords) this.keyword(key, value);
  }

  // `ImagenTrainer(fp16 = True)`, `L.Fabric(precision="16-true")`: the precision a run chooses, whatever the call.
  // Named after the call (`ImagenTrainer.fp16`): its spelling is that API's, not a known settings object's.
  private precisionKeywords(parts: CallParts): void {
    for (const [key, value] of parts.keywords) if (PRECISION_KEYS.test(key)) this.keyword(`${parts.name}.${key}`, value);
  }

  /** A literal keyword argument, or each literal arm of `None if args.use_fsdp else 1.0` under its condition. */
  private keyword(path: string, written: PyNode): void {
    const value = unparen(written);
    if (isLiteral(value)) {
      this.value(path, value, written.parent?.startIndex);
      return;
    }
    if (value.type !== 'conditional_expression') return;
    const { yes, no } = conditionalParts(value);
    // only a choice the config makes: with `… if torch.cuda.device_count() > 1 else …` neither arm is the setting
    if (readsOnlyConfig(this.scope.conditionOf(yes))) for (const arm of [yes, no]) if (isLiteral(arm)) this.value(path, arm, arm.id === yes.id ? written.parent?.startIndex : undefined);
  }

  // `def start_training(…, mixed_precision="fp16")`: a UI or helper whose default picks the precision of the run it launches.
  private signatureDefaults(def: PyNode): void {
    const parameters = def.childForFieldName('parameters');
    for (const p of parameters ? kids(parameters) : []) {
      if (p.type !== 'default_parameter' && p.type !== 'typed_default_parameter') continue;
      const name = p.childForFieldName('name');
      const value = p.childForFieldName('value');
      if (!name || !value) continue;
      // `def __init__(self, text_encoder_name='google/t5-v1_1-xl')`: the model a class loads unless told otherwise
      if (value.type === 'string' && pretrainedKeyword(name.text, value)) this.fact('pretrained-model', value, value.text, { class: null, name: this.describe(value), keyword: name.text });
      if (!PRECISION_KEYS.test(name.text) || !isLiteral(value)) continue;
      // `precision: Optional[str] = None` then `if precision is None: precision = "32-true" if tpu else "16-true"`
      const filled = value.type === 'none' ? noneFilled(def, name.text) : null;
      this.value(name.text, filled ?? value, filled ? filled.startIndex : name.startIndex).source = 'python-default';
    }
  }

  /**
   * A dataclass of arguments (Hugging Face's HfArgumentParser turns each field into a `--name` option):
   * `learning_rate: float = field(default=1e-5)` and `fp16: bool = True` are defaults, as argparse's are.
   */
  private dataclassFields(cls: PyNode): void {
    const decorated = cls.parent?.type === 'decorated_definition' ? cls.parent : null;
    if (!decorated || !kids(decorated).some((d) => d.type === 'decorator' && /\bdataclass\b/.test(d.text))) return;
    const body = cls.childForFieldName('body');
    for (const statement of body ? kids(body) : []) {
      const assignment = statement.type === 'expression_statement' ? kids(statement)[0] : null;
      const name = assignment?.type === 'assignment' ? assignment.childForFieldName('left') : null;
      const right = assignment?.childForFieldName('right');
      if (!assignment?.childForFieldName('type') || name?.type !== 'identifier' || !right) continue;
      const value = right.type === 'call' && callParts(right).name === 'field' ? callParts(right).keywords.get('default') : right;
      if (!value || !isLiteral(value)) continue;
      const located = this.value(name.text, value, name.startIndex);
      located.keyRange = this.range(statement);
      located.option = `--${name.text}`;
    }
  }

  // `ds_config["fp16"]["enabled"] = True`, `cfg.optim_wrapper.type = 'AmpOptimWrapper'`: the script overrides its config.
  private configAssignment(node: PyNode): void {
    const left = node.childForFieldName('left');
    const right = node.childForFieldName('right');
    if (!left || !right || (left.type !== 'subscript' && left.type !== 'attribute')) return;
    const key = this.scope.directConfigKey(left);
    if (!key) return;
    if (isLiteral(right)) this.value(key, right, left.startIndex);
    else if (CONFIG_OPTION.test(key)) this.chosenConfig(node, key, right);
  }

  // `opt.hyp = opt.hyp or ('data/hyp.finetune.yaml' if opt.weights else 'data/hyp.scratch.yaml')`: the file the
  // script's own defaults pick (a command line that sets the flag can pick the other).
  private chosenConfig(node: PyNode, key: string, right: PyNode): void {
    const paths = ofType(right, 'string').filter((n) => /\.(ya?ml|json|toml|py)$/.test(stringValue(n) ?? ''));
    if (!paths.length) return;
    const lookup = this.defaultsLookup();
    const taken = paths.find((n) => holds(this.scope.conditionOf(n), lookup) === true) ?? paths.find((n) => holds(this.scope.conditionOf(n), lookup) !== false);
    if (taken) this.fact('config-default', taken, node.text, { option: `--${key}`, path: stringValue(taken), choices: paths.map((n) => stringValue(n)) });
  }

  /** The script's argparse defaults, by key, to tell which branch its defaults take. */
  private defaultsLookup(): ConfigLookup {
    const defaults = new Map<string, unknown>();
    for (const f of this.facts) if (f.kind === 'cli-flag') defaults.set(String(f.detail?.dest), f.detail?.default);
    for (const v of this.values) if (v.keyRange && !v.when) defaults.set(v.keyPath, v.value);
    return (key) => defaults.get(key);
  }

  private pretrained(node: PyNode, parts: CallParts): void {
    const owner = parts.callee.childForFieldName('object');
    const name = parts.positional[0] ?? parts.keywords.get('pretrained_model_name_or_path') ?? parts.keywords.get('model_name_or_path');
    this.fact('pretrained-model', node, node.text, { class: owner ? lastName(owner) ?? owner.text : null, name: name ? this.describe(name) : null, keyword: null });
  }

  // `.half()`, `.to(dtype=torch.float16)`, `.to(device, dtype=weight_dtype)`, `.to(weight_dtype)` on a module.
  private cast(node: PyNode, parts: CallParts): void {
    const receiver = parts.callee.childForFieldName('object');
    if (!receiver) return;
    let dtype: PyNode | undefined;
    if (parts.name === 'to') {
      dtype = parts.keywords.get('dtype') ?? parts.positional.find((a) => HALF_DTYPE.test(a.text) && a.type !== 'string');
      if (!dtype || FULL_DTYPE.test(dtype.text)) return;
    } else if (parts.positional.length || parts.keywords.size) {
      return;
    }
    const module = this.scope.moduleOf(receiver, node);
    if (!module) return;
    const dtypeExpr = dtype?.text ?? (parts.name === 'half' ? 'torch.float16' : 'torch.bfloat16');
    this.fact('half-cast', node, node.text, {
      module: module.name,
      dtypeExpr,
      dtypes: dtype ? this.scope.dtypeChoices(dtype) : [{ dtype: dtypeExpr, when: null, configKey: null, configValue: null }],
      trainable: module.trainable,
      trainableEvidence: module.evidence,
    });
  }

  // ---- output ----

  private keywordDetails(parts: CallParts): Record<string, ReturnType<PythonLocator['describe']>> {
    const out: Record<string, ReturnType<PythonLocator['describe']>> = {};
    for (const [key, value] of parts.keywords) out[key] = this.describe(value);
    return out;
  }

  /** An argument as the rules see it: its text, range, literal value and the config key it reads. */
  private describe(node: PyNode): { text: string; range: Range; value?: unknown; configKey: string | null } {
    const v = literal(node);
    const out: { text: string; range: Range; value?: unknown; configKey: string | null } = {
      text: node.text,
      range: this.range(node),
      configKey: this.scope.configKeyOf(node),
    };
    if (isLiteral(node)) out.value = v;
    // `from_pretrained(model_checkpoint)` with `model_checkpoint = "t5-large"` at module level
    else if (node.type === 'identifier' && this.moduleLiterals.has(node.text)) out.value = this.moduleLiterals.get(node.text)!.value;
    return out;
  }

  /** A statement as a rule may rewrite it: its range from the line start, its full text and its indentation. */
  private statement(node: Statement): { range: Range; text: string; indent: string } {
    const start = node.startIndex - node.startPosition.column;
    return { range: this.index.range(start, node.endIndex), text: this.index.text.slice(start, node.endIndex), indent: ' '.repeat(node.startPosition.column) };
  }

  private value(path: string, node: PyNode, keyStart: number | undefined): LocatedValue {
    const v = literal(node);
    const located: LocatedValue = {
      file: this.file,
      keyPath: path,
      key: lastKey(path),
      value: isLiteral(node) ? v : node.text,
      text: node.text,
      range: this.range(node),
      source: 'python',
    };
    if (keyStart !== undefined) located.keyRange = this.index.range(keyStart, node.endIndex);
    const when = this.scope.conditionOf(node);
    if (when) located.when = when;
    this.values.push(located);
    return located;
  }

  private fact(kind: ScriptFact['kind'], node: PyNode, text: string, detail: Record<string, unknown>): void {
    const fact: ScriptFact = { file: this.file, kind, range: this.range(node), text: oneLine(text), detail };
    const when = this.scope.conditionOf(node);
    if (when) fact.when = when;
    this.facts.push(fact);
  }

  private range(node: PyNode): Range {
    return this.index.range(node.startIndex, node.endIndex);
  }
}

/** A condition made of config values only (no `unknown` part). */
function readsOnlyConfig(c: BranchCondition | undefined): boolean {
  if (!c) return false;
  if (c.op === 'unknown') return false;
  if (c.op === 'not') return readsOnlyConfig(c.arg);
  if (c.op === 'and' || c.op === 'or') return c.args.every(readsOnlyConfig);
  return true;
}

function isContainer(node: PyNode): boolean {
  if (node.type === 'dictionary' || node.type === 'list' || node.type === 'tuple') return true;
  return node.type === 'call' && node.childForFieldName('function')?.text === 'dict';
}

/** The name of the function a node is in (null at module level). */
function enclosingFunction(node: PyNode): string | null {
  for (let p = node.parent; p; p = p.parent) if (p.type === 'function_definition') return p.childForFieldName('name')?.text ?? null;
  return null;
}

/**
 * What a parameter that defaults to None becomes: `if name is None:` + `name = <literal>` at the top of the body, or
 * `name = A if flag else B` where `flag` is another parameter with a literal boolean default (the arm it picks).
 */
function noneFilled(def: PyNode, name: string): PyNode | null {
  const body = def.childForFieldName('body');
  for (const statement of body ? kids(body) : []) {
    if (statement.type !== 'if_statement' || statement.childForFieldName('condition')?.text.replace(/\s+/g, ' ') !== `${name} is None`) continue;
    const block = statement.childForFieldName('consequence');
    const assignment = block && kids(kids(block)[0] ?? block)[0];
    if (assignment?.type !== 'assignment' || assignment.childForFieldName('left')?.text !== name) return null;
    const right = assignment.childForFieldName('right');
    if (!right) return null;
    const rhs = unparen(right);
    if (isLiteral(rhs)) return rhs;
    if (rhs.type !== 'conditional_expression') return null;
    const { yes, condition, no } = conditionalParts(rhs);
    const negated = /^not\s+/.test(condition.text);
    const flag = parameterDefault(def, condition.text.replace(/^not\s+/, '').trim());
    if (flag !== 'True' && flag !== 'False') return null;
    const arm = (flag === 'True') !== negated ? yes : no;
    return isLiteral(arm) ? arm : null;
  }
  return null;
}

/** The source text of a parameter's default value (`tpu: bool = False` → `False`). */
function parameterDefault(def: PyNode, name: string): string | null {
  const parameters = def.childForFieldName('parameters');
  for (const p of parameters ? kids(parameters) : []) {
    if ((p.type === 'default_parameter' || p.type === 'typed_default_parameter') && p.childForFieldName('name')?.text === name) return p.childForFieldName('value')?.text ?? null;
  }
  return null;
}

/** The value of an arithmetic expression over numbers and known names (undefined when any part is not known). */
function arithmetic(node: PyNode, known: (name: string) => number | undefined): number | undefined {
  const n = unparen(node);
  if (n.type === 'identifier') return known(n.text);
  if (n.type === 'unary_operator') {
    const v = arithmetic(n.childForFieldName('argument')!, known);
    return v === undefined ? undefined : n.text.trim().startsWith('-') ? -v : v;
  }
  if (n.type !== 'binary_operator') {
    const v = literal(n);
    return typeof v === 'number' && !Number.isNaN(v) ? v : undefined;
  }
  const a = arithmetic(n.childForFieldName('left')!, known);
  const b = arithmetic(n.childForFieldName('right')!, known);
  if (a === undefined || b === undefined) return undefined;
  switch (n.childForFieldName('operator')?.text) {
    case '+': return a + b;
    case '-': return a - b;
    case '*': return a * b;
    case '/': return b === 0 ? undefined : a / b;
    case '//': return b === 0 ? undefined : Math.floor(a / b);
    case '**': return a ** b;
    default: return undefined;
  }
}
