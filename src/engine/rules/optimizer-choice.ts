// An optimizer picked by a flag that reads the learning rate tuned for the other one: `if opt.adam: Adam(pg0,
// lr=hyp['lr0']) else: SGD(pg0, lr=hyp['lr0'])` with `lr0: 0.01`, SGD's value, in a run that passed --adam.
import type { BranchCondition, LocatedValue, NanDiagnostic, ScriptFact } from '../types';
import { ruledOut } from '../config/conditions';
import { afterAnUpdate, atFirstStep, baseName, firstEvidence, relatedIncident, shows } from './helpers/evidence';
import { fix, formatLike, replaceValue } from './helpers/edits';
import { optimizerClass } from '../hyperparameters/read';
import type { ClassChoice } from '../config/python-scope';
import { runConfig } from './helpers/weights';
import type { Rule, RuleContext } from './types';

const ADAPTIVE = /adam|lamb|lion|rmsprop|adagrad|adadelta|nadam|radam|adamax/i;
const SGD = /sgd|momentum/i;
// An Adam-family learning rate above this is in SGD's range (Adam-family runs use 1e-3 and below).
const ADAPTIVE_HIGH = 3e-3;
const ADAPTIVE_LR = 1e-3;

interface Argument {
  text: string;
  configKey: string | null;
}

/** `--adam`, `use_8bit_adam`, `optimizer == "adam"`: what chose this branch, in the user's words. */
function chosenBy(c: BranchCondition | undefined): string {
  if (!c) return 'the script';
  switch (c.op) {
    case 'truthy':
      return `--${c.key}`;
    case 'eq':
      return `${c.key} == ${JSON.stringify(c.value)}`;
    case 'contains':
      return `${JSON.stringify(c.value)} in ${c.key}`;
    case 'not':
      return `no ${chosenBy(c.arg)}`;
    case 'and':
    case 'or':
      return c.args.map(chosenBy).join(c.op === 'and' ? ' and ' : ' or ');
    default:
      return c.text;
  }
}

/** Where the run's value of a config key is written (command line first, then configs, then the script's defaults). */
function written(ctx: RuleContext, key: string): LocatedValue | undefined {
  const rank = (v: LocatedValue) => (v.source === 'command' || v.source === 'shell' ? 0 : v.source === 'python' ? 2 : 1);
  const lookup = runConfig(ctx);
  return ctx.files
    .flatMap((f) => f.values)
    .filter((v) => (v.keyPath === key || v.keyPath.endsWith(`.${key}`)) && typeof v.value === 'number' && !ruledOut(v, lookup))
    .sort((a, b) => rank(a) - rank(b))[0];
}

/** The value a comment on the lr's line gives this optimizer: `(SGD=1E-2, Adam=1E-3)` → Adam 1e-3. */
function commentValue(ctx: RuleContext, lr: LocatedValue, cls: string): { value: number; text: string; comment: string } | undefined {
  const family = cls.replace(/W?(8bit)?$/i, '');
  const comment = ctx.files.find((f) => f.file === lr.file)?.comments?.find((c) => c.line === lr.range.start.line);
  const m = comment && new RegExp(`\\b${family}W?\\s*[=:]\\s*([0-9.]+(?:[eE][-+]?\\d+)?)`, 'i').exec(comment.text);
  const value = m ? Number(m[1]) : NaN;
  return comment && m && Number.isFinite(value) && value > 0 ? { value, text: m[1], comment: comment.text } : undefined;
}

export const optimizerChoice: Rule = {
  code: 'learning-rate',
  check(ctx) {
    const lookup = runConfig(ctx);
    const e = firstEvidence(ctx.runs);
    const all = ctx.files.flatMap((f) => f.facts).filter((f) => f.kind === 'optimizer');
    const out: NanDiagnostic[] = [];
    for (const built of ctx.facts.filter((f) => f.kind === 'optimizer')) {
      const cls = optimizerClass(built, lookup) ?? '';
      const lrKey = (built.detail?.kwargs as Record<string, Argument> | undefined)?.lr?.configKey;
      if (!ADAPTIVE.test(cls) || !lrKey) continue;
      const choices = (built.detail?.classChoices as ClassChoice[] | undefined) ?? [];
      // the branch the run did not take builds SGD from the same key, or the class variable could have been SGD: that key was tuned for SGD
      const sibling = all.find(
        (f: ScriptFact) =>
          f !== built && f.file === built.file && ruledOut(f, lookup) && SGD.test(optimizerClass(f, lookup) ?? '') && (f.detail?.kwargs as Record<string, Argument> | undefined)?.lr?.configKey === lrKey,
      );
      const choice = choices.find((c) => SGD.test(c.class) && ruledOut(c, lookup));
      const other = sibling ? { cls: optimizerClass(sibling, lookup), line: sibling.range.start.line + 1, file: sibling.file } : choice ? { cls: choice.class, line: built.range.start.line + 1, file: built.file } : undefined;
      const why = built.when ?? choices.find((c) => c.class === cls)?.when;
      const lr = written(ctx, lrKey);
      if (!other || !why || !lr || (lr.value as number) <= ADAPTIVE_HIGH) continue;
      // `lr0: 0.01  # initial learning rate (SGD=1E-2, Adam=1E-3)`: the config's own value for this optimizer
      const tuned = commentValue(ctx, lr, cls);
      const cleared = !!e && atFirstStep(e);
      const evidence = !e ? '' : cleared ? `, but ${shows(e)}, the first forward pass, before any update: it has not acted yet (cleared)` : `; ${shows(e)}`;
      const target = formatLike(lr.text, tuned?.value ?? ADAPTIVE_LR);
      out.push({
        file: built.file,
        range: built.range,
        severity: cleared ? 'information' : e && afterAnUpdate(e) ? 'error' : 'warning',
        code: 'learning-rate',
        message:
          `${chosenBy(why)} builds ${cls} here, but its lr is ${lrKey} ${lr.text} (${baseName(lr.file)}:${lr.range.start.line + 1}), the value tuned for ` +
          `${other.cls} (line ${other.line}), the other choice: ${tuned ? `its comment gives ${cls} ${tuned.text} (\`# ${tuned.comment}\`)` : `${cls} needs about ten times less (1e-3 or lower)`}${evidence}`,
        related: [...(e ? [relatedIncident(e)] : []), { file: lr.file, line: lr.range.start.line + 1, message: `${lrKey} ${lr.text}` }, { file: other.file, line: other.line, message: `${other.cls} reads the same ${lrKey}` }],
        fixes: [fix(`Set ${lrKey} to ${target} for ${cls}`, replaceValue(lr, target))],
        verified: false,
        change: { learning_rate: tuned?.value ?? ADAPTIVE_LR },
      });
    }
    return out;
  },
};
