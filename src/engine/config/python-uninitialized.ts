// A parameter made from uninitialized memory: `self.weight = Parameter(torch.Tensor(n, d))` (or `torch.empty`),
// which the module never initializes itself. Whatever the allocator left there (NaN, inf, 1e38) is the weight
// until something else initializes it; when that something is skipped, the first forward pass is non-finite.
import { callParts, kids, lastName, ofType, type PyNode } from './pyast';

export interface UninitializedParameter {
  /** The `Parameter(torch.Tensor(…))` call. */
  node: PyNode;
  /** `self.weight` */
  target: string;
  className: string;
}

const PARAMETER = /^(?:Parameter)$/;
const UNINITIALIZED = /^(?:Tensor|FloatTensor|HalfTensor|DoubleTensor|empty)$/;
// Calls that fill a tensor in place, or a module's own initializer.
const INITIALIZER = /^(?:\w+_|reset_parameters|init_weights|_init_weights|initialize|init_params|_reset_parameters|apply|copy_|load_state_dict)$/;

export function findUninitializedParameters(root: PyNode): UninitializedParameter[] {
  const out: UninitializedParameter[] = [];
  for (const cls of ofType(root, 'class_definition')) {
    const body = cls.childForFieldName('body');
    if (!body) continue;
    const className = cls.childForFieldName('name')?.text ?? '';
    const calls = ofType(body, 'call');
    for (const assignment of ofType(body, 'assignment')) {
      const target = assignment.childForFieldName('left')?.text ?? '';
      const right = assignment.childForFieldName('right');
      if (!/^self\.\w+$/.test(target) || right?.type !== 'call') continue;
      const parts = callParts(right);
      if (!PARAMETER.test(parts.name ?? '')) continue;
      const inner = parts.positional[0];
      if (inner?.type !== 'call') continue;
      const made = callParts(inner);
      // sizes only (`torch.Tensor(n, d)`): `torch.Tensor([1.0, 2.0])` or `torch.Tensor(data)` has values
      if (!UNINITIALIZED.test(made.name ?? '') || made.positional.length === 0 || made.positional.some((a) => a.type === 'list' || a.type === 'tuple')) continue;
      if (made.name === 'Tensor' && made.positional.length === 1 && made.positional[0].type === 'identifier' && !/size|dim|num|feat|channels|classes|^n/i.test(made.positional[0].text)) continue;
      if (initializedIn(calls, target)) continue;
      out.push({ node: right, target, className });
    }
  }
  return out;
}

/** Whether the class fills `target` itself: `nn.init.xavier_uniform_(self.weight)`, `self.weight.data.normal_()`, `self.reset_parameters()`. */
function initializedIn(calls: PyNode[], target: string): boolean {
  return calls.some((call) => {
    const name = lastName(call.childForFieldName('function')) ?? '';
    if (!INITIALIZER.test(name)) return false;
    const callee = call.childForFieldName('function')?.text ?? '';
    // the module's own initializer, whatever it fills
    if (/^self\.(?:reset_parameters|init_weights|_init_weights|initialize|init_params|_reset_parameters|apply)$/.test(callee)) return true;
    if (callee.startsWith(`${target}.`)) return true;
    const args = call.childForFieldName('arguments');
    return !!args && kids(args).some((a) => a.text === target || a.text.startsWith(`${target}.`));
  });
}
