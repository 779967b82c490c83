// What a module's forward does, seen from a training script's model files: the calls it makes (they run
// under the trainer's autocast) and the statement that computes what it returns (a loss module's loss).
import { kids, ofType, type PyNode } from './pyast';
import type { PythonScope } from './python-scope';

export type Statement = PyNode;

export interface ForwardFact {
  kind: 'forward-call' | 'module-forward';
  node: PyNode;
  statement: Statement | null;
  class: string;
  callee?: string;
  bound?: string;
  returned?: string;
  autocastOff: boolean;
}

// Keyword arguments that name a pretrained model: `text_encoder_name = 'google/t5-v1_1-base'`, `model_name_or_path=…`.
const MODEL_KEYWORD = /^(\w*model_name\w*|\w*encoder_name|\w*model_id|model_path|pretrained\w*|base_model\w*)$/;

export function pretrainedKeyword(key: string, value: PyNode): boolean {
  return MODEL_KEYWORD.test(key) && (value.type === 'string' || value.type === 'identifier' || value.type === 'attribute');
}

// Helpers and builtins a forward calls that are no model: `exists(x)`, `len(texts)`, `map(…)`.
const NOT_A_MODEL = /^(len|map|zip|range|list|tuple|dict|set|int|float|str|bool|print|isinstance|exists|default|enumerate|super|getattr|setattr|hasattr|min|max|sum|abs|any|all|sorted|reversed|iter|next|type|cast_tuple)$/;
const FP32_REGION = /autocast\([^)]*enabled\s*=\s*False|force_fp32|custom_fwd\([^)]*float32/;

/** The forward-call and module-forward facts of every nn.Module-like class in a file. */
export function forwardFacts(root: PyNode, scope: PythonScope): ForwardFact[] {
  const out: ForwardFact[] = [];
  for (const cls of ofType(root, 'class_definition')) {
    const name = cls.childForFieldName('name')?.text ?? '';
    const body = cls.childForFieldName('body');
    const forward = body && methods(body).find((m) => m.def.childForFieldName('name')?.text === 'forward');
    if (!forward) continue;
    const block = forward.def.childForFieldName('body');
    if (!block) continue;
    const decorated = forward.decorators.some((d) => FP32_REGION.test(d.text));
    const bound = selfAssignments(cls);
    for (const call of ofType(block, 'call')) {
      const callee = call.childForFieldName('function');
      if (!callee || insideNestedDef(call, forward.def)) continue;
      const isSelf = callee.type === 'attribute' && callee.childForFieldName('object')?.text === 'self';
      const attribute = isSelf ? callee.childForFieldName('attribute')?.text : undefined;
      if (!(attribute && bound.has(attribute)) && !(callee.type === 'identifier' && !NOT_A_MODEL.test(callee.text))) continue;
      out.push({
        kind: 'forward-call',
        node: call,
        statement: statementOf(call, block),
        class: name,
        callee: callee.text,
        bound: attribute ? bound.get(attribute) : (scope.assignedValues(callee.text)[0]?.text.split('\n')[0] ?? ''),
        autocastOff: decorated || inFp32Region(call, block),
      });
    }
    const result = returnedStatement(block, forward.def);
    if (result) out.push({ kind: 'module-forward', node: result.statement, statement: result.statement, class: name, returned: result.returned, autocastOff: decorated || inFp32Region(result.statement, block) });
  }
  return out;
}

function methods(body: PyNode): { def: PyNode; decorators: PyNode[] }[] {
  const out: { def: PyNode; decorators: PyNode[] }[] = [];
  for (const item of kids(body)) {
    if (item.type === 'function_definition') out.push({ def: item, decorators: [] });
    else if (item.type === 'decorated_definition') {
      const def = item.childForFieldName('definition');
      if (def?.type === 'function_definition') out.push({ def, decorators: kids(item).filter((k) => k.type === 'decorator') });
    }
  }
  return out;
}

/** `self.encode_text = partial(t5_encode_text, name = …)` → encode_text: the bound expression's first line. */
function selfAssignments(cls: PyNode): Map<string, string> {
  const out = new Map<string, string>();
  for (const a of ofType(cls, 'assignment')) {
    const left = a.childForFieldName('left');
    const right = a.childForFieldName('right');
    if (left?.type !== 'attribute' || left.childForFieldName('object')?.text !== 'self' || !right) continue;
    const attribute = left.childForFieldName('attribute')?.text;
    if (attribute && !out.has(attribute)) out.set(attribute, right.text.split('\n')[0]);
  }
  return out;
}

function insideNestedDef(node: PyNode, def: PyNode): boolean {
  for (let p = node.parent; p && p.id !== def.id; p = p.parent) if (p.type === 'function_definition' || p.type === 'lambda') return true;
  return false;
}

/** The statement of the forward's body (at any depth) that holds a node. */
function statementOf(node: PyNode, block: PyNode): Statement | null {
  for (let p: PyNode | null = node; p && p.id !== block.id; p = p.parent) {
    if (p.parent?.type === 'block' && /_statement$/.test(p.type)) return p;
  }
  return null;
}

function inFp32Region(node: PyNode, block: PyNode): boolean {
  for (let p = node.parent; p && p.id !== block.id; p = p.parent) {
    if (p.type === 'with_statement' && FP32_REGION.test(p.childForFieldName('body') ? p.text.slice(0, p.childForFieldName('body')!.startIndex - p.startIndex) : p.text)) return true;
  }
  return false;
}

// The forward's last `return x`, and the statement that computes x: `loss = self.loss_weight * rotated_iou_loss(…)`.
function returnedStatement(block: PyNode, def: PyNode): { statement: Statement; returned: string } | undefined {
  const returns = ofType(block, 'return_statement').filter((r) => !insideNestedDef(r, def));
  const last = returns.at(-1);
  const value = last && kids(last)[0];
  if (!last || !value) return undefined;
  if (value.type !== 'identifier') return { statement: last, returned: value.text };
  const assignments = ofType(block, 'assignment').filter((a) => a.childForFieldName('left')?.text === value.text && a.startIndex < last.startIndex && !insideNestedDef(a, def));
  const assigned = assignments.at(-1);
  const statement = assigned && statementOf(assigned, block);
  return statement ? { statement, returned: value.text } : { statement: last, returned: value.text };
}
