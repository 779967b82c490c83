// The names a Python file reads: what tells an argparse option that something uses (`args.warmup_steps`,
// `getattr(args, "warmup_steps")`, `hparams["warmup_steps"]`, or the parameter `warmup_steps` of a
// `main(**vars(args))` used in its body) from one that is declared and then never read.
import { ofType, type PyNode } from './pyast';

// Where an identifier is written, not read: a parameter, a keyword argument's name, a def's or class's name.
function isDeclaration(node: PyNode): boolean {
  const parent = node.parent;
  if (!parent) return false;
  if (parent.type === 'parameters' || parent.type === 'lambda_parameters') return true;
  if (/^(default_parameter|typed_default_parameter|keyword_argument)$/.test(parent.type)) return parent.childForFieldName('name')?.id === node.id;
  if (parent.type === 'typed_parameter' || parent.type === 'list_splat_pattern' || parent.type === 'dictionary_splat_pattern') return true;
  if (parent.type === 'function_definition' || parent.type === 'class_definition') return parent.childForFieldName('name')?.id === node.id;
  // `fp16: bool = field(default=True)` in a dataclass, `x = …`: the name assigned is written, not read
  if (parent.type === 'assignment') return parent.childForFieldName('left')?.id === node.id;
  return false;
}

const inArgparseDeclaration = (node: PyNode): boolean => {
  for (let p = node.parent; p; p = p.parent) {
    if (p.type === 'call') return /\.add_argument$|^add_argument$/.test(p.childForFieldName('function')?.text ?? '');
  }
  return false;
};

/** Identifiers and attribute names the file reads, and its short string literals outside argparse declarations. */
export function namesRead(root: PyNode): string[] {
  const names = new Set<string>();
  for (const node of ofType(root, ['identifier', 'string_content'])) {
    if (node.type === 'identifier') {
      if (!isDeclaration(node)) names.add(node.text);
    } else if (/^[A-Za-z_][\w.-]{0,63}$/.test(node.text) && !inArgparseDeclaration(node)) {
      names.add(node.text);
    }
  }
  return [...names];
}
