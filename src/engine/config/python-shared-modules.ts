// Validation that works on the live training modules: a validation function (or the validation branch of the
// training loop) that takes the modules being trained (`accelerator.unwrap_model(net)`) and hands them to a
// pipeline, casts them (`.half()`, `.to(dtype=…)`), switches them to `.eval()` or hooks them, without a copy.
// Whatever validation does to them then carries over into training (the seed case: Hallo before PR #133,
// fixed by `copy.deepcopy`; diffusers #13124: a pipeline built on the live unet and cast to fp16).
import { callParts, kids, ofType, type PyNode } from './pyast';

const VALIDATION_FUNCTION = /valid|eval|sample|infer|visuali[sz]e|log_images|generate|preview/i;
const VALIDATION_CALL = /\b\w*(?:valid|eval|sample|generate|infer|visuali[sz]e|log_images|preview)\w*\s*\(/i;
const PIPELINE = /Pipeline|^pipeline$|^pipe$|^from_pretrained$/;
const HOOKS = /^(ReferenceAttentionControl|register_forward_hook|register_forward_pre_hook|register_full_backward_hook|set_attn_processor|set_attention_slice|enable_xformers_memory_efficient_attention|fuse_qkv_projections)$/;
const DTYPE = /dtype|float16|bfloat16|\bhalf\b|fp16|bf16/;

/** How validation touches the modules it took: given to a pipeline, cast in place, put in eval mode, hooked. */
export interface ModuleUse {
  node: PyNode;
  how: 'pipeline' | 'cast' | 'eval' | 'hooks';
  /** The use is in another function the validation calls (a cast inside `log_validation(pipeline, …)`). */
  inFunction?: string;
}

export interface SharedModules {
  /** Where validation takes the training modules: the `unwrap_model(...)` call. */
  take: PyNode;
  /** `log_validation`, or `the validation branch at line N`. */
  context: string;
  uses: ModuleUse[];
}

interface FunctionDef {
  name: string;
  params: string[];
  body: PyNode;
}

function functions(root: PyNode): Map<string, FunctionDef> {
  const out = new Map<string, FunctionDef>();
  for (const def of ofType(root, 'function_definition')) {
    const name = def.childForFieldName('name')?.text;
    const body = def.childForFieldName('body');
    const parameters = def.childForFieldName('parameters');
    if (!name || !body || !parameters) continue;
    const params = kids(parameters)
      .map((p) => (p.type === 'identifier' ? p.text : (p.childForFieldName('name')?.text ?? kids(p).find((k) => k.type === 'identifier')?.text)))
      .filter((p): p is string => !!p);
    out.set(name, { name, params, body });
  }
  return out;
}

/** Validation scopes: functions named for validation, and `if` branches (on a step or epoch) that call one. */
function contexts(root: PyNode, defs: Map<string, FunctionDef>): { body: PyNode; label: string }[] {
  const out: { body: PyNode; label: string }[] = [];
  for (const def of defs.values()) if (VALIDATION_FUNCTION.test(def.name)) out.push({ body: def.body, label: def.name });
  for (const statement of ofType(root, 'if_statement')) {
    const body = statement.childForFieldName('consequence');
    const condition = statement.childForFieldName('condition');
    if (!body || !condition || !VALIDATION_CALL.test(body.text)) continue;
    if (!/step|epoch|iter|valid|eval|sample/i.test(condition.text)) continue;
    out.push({ body, label: `the validation branch at line ${statement.startPosition.row + 1}` });
  }
  return out;
}

/** The identifier an expression is about: `ori_net`, `ori_net.reference_unet` → ori_net. */
function rootName(node: PyNode): string | null {
  let n: PyNode | null = node;
  while (n && n.type === 'attribute') n = n.childForFieldName('object');
  return n?.type === 'identifier' ? n.text : null;
}

function assignedTo(node: PyNode): string | null {
  const parent = node.parent;
  if (parent?.type !== 'assignment' || parent.childForFieldName('right')?.id !== node.id) return null;
  const left = parent.childForFieldName('left');
  return left?.type === 'identifier' ? left.text : null;
}

function argumentsOf(call: PyNode): PyNode[] {
  const parts = callParts(call);
  return [...parts.positional, ...parts.keywords.values()];
}

/** Follows the taken modules through assignments and calls in one scope, in source order. */
function usesIn(body: PyNode, tainted: Set<string>, defs: Map<string, FunctionDef>, depth: number, seed?: PyNode): ModuleUse[] {
  const uses: ModuleUse[] = [];
  const isTainted = (n: PyNode) => (seed && n.id === seed.id) || (rootName(n) !== null && tainted.has(rootName(n)!));
  const nodes = ofType(body, ['assignment', 'call']).sort((a, b) => a.startIndex - b.startIndex);
  for (const node of nodes) {
    if (node.type === 'assignment') {
      const right = node.childForFieldName('right');
      const left = node.childForFieldName('left');
      if (right && left?.type === 'identifier' && isTainted(right)) tainted.add(left.text);
      continue;
    }
    const parts = callParts(node);
    const args = argumentsOf(node);
    const receiver = parts.callee.type === 'attribute' ? parts.callee.childForFieldName('object') : null;
    const name = parts.name ?? '';
    if (args.some(isTainted)) {
      if (PIPELINE.test(name)) {
        uses.push({ node, how: 'pipeline' });
        const out = assignedTo(node);
        if (out) tainted.add(out);
      } else if (HOOKS.test(name)) {
        uses.push({ node, how: 'hooks' });
      } else if (depth > 0 && defs.has(name)) {
        // A call into the script's own function: follow the parameters the modules go to.
        const def = defs.get(name)!;
        const inner = new Set<string>();
        parts.positional.forEach((a, i) => isTainted(a) && def.params[i] && inner.add(def.params[i]));
        for (const [k, v] of parts.keywords) if (isTainted(v)) inner.add(k);
        for (const use of usesIn(def.body, inner, defs, depth - 1)) uses.push({ ...use, inFunction: use.inFunction ?? name });
      }
    }
    if (receiver && isTainted(receiver)) {
      if (name === 'half' || (name === 'to' && DTYPE.test(args.map((a) => a.text).join(' ')))) {
        uses.push({ node, how: 'cast' });
        const out = assignedTo(node);
        if (out) tainted.add(out);
      } else if (name === 'eval') uses.push({ node, how: 'eval' });
      else if (HOOKS.test(name)) uses.push({ node, how: 'hooks' });
    }
  }
  return uses;
}

/** Validation scopes that take the training modules and change or hand them on without a copy. `trainable`: what the script says of a module. */
export function findSharedModules(root: PyNode, trainable: (name: string) => boolean | null): SharedModules[] {
  const defs = functions(root);
  const out: SharedModules[] = [];
  const seen = new Set<number>();
  for (const { body, label } of contexts(root, defs)) {
    // A copy anywhere in the scope (`copy.deepcopy(unwrap_model(net))`) isolates what it takes.
    if (/\bdeepcopy\s*\(/.test(body.text)) continue;
    for (const call of ofType(body, 'call')) {
      if (callParts(call).name !== 'unwrap_model' || seen.has(call.id)) continue;
      seen.add(call.id);
      // A frozen module (`text_encoder.requires_grad_(False)`) is not what training goes on with.
      const module = callParts(call).positional[0];
      if (module && trainable(module.text) === false) continue;
      const tainted = new Set<string>();
      const name = assignedTo(call);
      if (name) tainted.add(name);
      const uses = usesIn(body, tainted, defs, 1, call);
      // put back afterwards (`.train()`, `.to(torch.float32)`): what eval mode and casts did is undone
      const restored = /\.train\s*\(|\.to\([^)]*float32/.test(body.text);
      const lasting = uses.filter((u) => !(restored && (u.how === 'eval' || u.how === 'cast')));
      if (lasting.length) out.push({ take: call, context: label, uses: lasting });
    }
  }
  return out;
}
