// Validation triggers: an `if` on the step counter whose branch runs validation or evaluation,
// e.g. `if global_step % cfg.val.validation_steps == 0 or global_step == 1:` (a hard-coded step 1).
import { kids, literal, ofType, walk, type PyNode } from './pyast';
import type { PythonScope } from './python-scope';

const STEP = /^(global_step|global_steps|step|steps|total_steps|iteration|iterations|iter|it|itr|epoch|epochs|cur_iter|curr_iter|current_step|cur_step|curr_step|n_iter|num_updates|update_step|completed_steps|batch_idx|idx|i)$/;
const VALIDATION_KEY = /valid|eval|\bval\b|val_|_val\b|sample|test|infer|vis/i;
const VALIDATION_CALL = /\b\w*(valid|eval|sample|generate|inference|infer|test|visuali[sz]e|log_images)\w*\s*\(/i;

export interface ValidationTrigger {
  /** The `if` condition. */
  node: PyNode;
  condition: PyNode;
  text: string;
  stepVariable: string | null;
  everyKey: string | null;
  every: PyNode | null;
  hardcodedSteps: number[];
  /** `or global_step == 1` exactly, as offsets. */
  hardcoded: [number, number] | null;
  /** What to delete so only the periodic test is left (` or global_step == 1`), as offsets. */
  remove: [number, number] | null;
}

export function findValidationTriggers(root: PyNode, scope: PythonScope): ValidationTrigger[] {
  const out: ValidationTrigger[] = [];
  for (const statement of ofType(root, ['if_statement', 'elif_clause'])) {
    const condition = statement.childForFieldName('condition');
    const body = statement.childForFieldName('consequence');
    if (!condition || !body) continue;
    const trigger = readCondition(statement, condition, body, scope);
    if (trigger) out.push(trigger);
  }
  return out;
}

function readCondition(statement: PyNode, condition: PyNode, body: PyNode, scope: PythonScope): ValidationTrigger | null {
  let every: PyNode | null = null;
  let stepVariable: string | null = null;
  for (const node of walk(condition)) {
    if (node.type !== 'binary_operator' || node.childForFieldName('operator')?.type !== '%') continue;
    const step = stepIn(node.childForFieldName('left')!);
    if (!step) continue;
    stepVariable = step.text;
    every = node.childForFieldName('right');
    break;
  }
  const hard = hardcodedSteps(condition, stepVariable);
  stepVariable ??= hard.variable;
  if (!stepVariable || (!every && hard.steps.length === 0)) return null;
  const validation = (every && VALIDATION_KEY.test(every.text)) || VALIDATION_CALL.test(body.text);
  if (!validation) return null;
  const header = statement.text.slice(0, condition.endIndex - statement.startIndex) + ':';
  return {
    node: condition,
    condition,
    text: header,
    stepVariable,
    everyKey: every ? scope.configKeyOf(every) : null,
    every,
    hardcodedSteps: hard.steps,
    hardcoded: hard.hardcoded,
    remove: hard.remove,
  };
}

/** The step counter inside `(global_step + 1)`, `self.global_step`, `step`. */
function stepIn(node: PyNode): PyNode | null {
  for (const n of walk(node)) {
    if (n.type === 'identifier' && STEP.test(n.text)) {
      const parent = n.parent;
      // `self.global_step` / `state.global_step`: the whole attribute is the counter.
      if (parent?.type === 'attribute' && parent.childForFieldName('attribute')?.id === n.id) return parent;
      if (parent?.type === 'attribute' && parent.childForFieldName('object')?.id === n.id) continue;
      return n;
    }
  }
  return null;
}

function hardcodedSteps(
  condition: PyNode,
  stepVariable: string | null,
): { steps: number[]; variable: string | null; hardcoded: [number, number] | null; remove: [number, number] | null } {
  const steps: number[] = [];
  let variable = stepVariable;
  let hardcoded: [number, number] | null = null;
  let remove: [number, number] | null = null;
  for (const node of walk(condition)) {
    if (node.type !== 'comparison_operator') continue;
    const [a, b] = kids(node);
    const op = node.children.find((c) => c && !c.isNamed)?.type;
    if (!a || !b || (op !== '==' && op !== 'in')) continue;
    const [step, value] = stepIn(a) && a.type !== 'binary_operator' ? [a, b] : stepIn(b) && b.type !== 'binary_operator' && op === '==' ? [b, a] : [null, null];
    if (!step || !value) continue;
    if (variable && step.text !== variable) continue;
    const numbers = op === 'in' ? kids(value).map(literal) : [literal(value)];
    if (!numbers.length || !numbers.every((n) => typeof n === 'number')) continue;
    variable ??= step.text;
    steps.push(...(numbers as number[]));
    if (hardcoded) continue;
    const parent = node.parent;
    const operator = parent?.childForFieldName('operator');
    if (parent?.type === 'boolean_operator' && operator?.type === 'or') {
      const left = parent.childForFieldName('left')!;
      const right = parent.childForFieldName('right')!;
      if (right.id === node.id) {
        hardcoded = [operator.startIndex, node.endIndex];
        remove = [left.endIndex, node.endIndex];
      } else {
        hardcoded = [node.startIndex, operator.endIndex];
        remove = [node.startIndex, right.startIndex];
      }
    } else {
      hardcoded = [node.startIndex, node.endIndex];
    }
  }
  return { steps, variable, hardcoded, remove };
}
