// Models pretrained in bf16 whose activations outgrow fp16 (T5 and its family, Llama 2/3, Gemma, GLM-4): found by the names and
// classes a run's configs, command line and scripts give them.
import type { ScriptFact } from '../../types';
import { baseName } from './evidence';
import { ruledOut } from '../../config/conditions';
import { runConfig } from './weights';
import type { RuleContext } from '../types';

export interface Bf16Model {
  /** As the user wrote it: `google/flan-t5-xl`, `t5-large`, `T5ForConditionalGeneration`. */
  name: string;
  family: string;
  file: string;
  /** 1-based. */
  line: number;
}

// By the last path segment of a model id (`google/flan-t5-xl` → `flan-t5-xl`), lower case.
const FAMILIES: [RegExp, string][] = [
  [/^(?:flan-)?(?:m|by|um|long-?)?t5(?:[-_.]|$)/, 'T5'],
  [/^(?:flan-)?ul2$/, 'UL2'],
  [/^(?:t0pp|t0_3b|mt0-\w+)$/, 'T0'],
  [/^switch-(?:base|large|xxl|c)/, 'Switch Transformers'],
  [/^(?:bigbird-)?pegasus(?:[-_]|$)/, 'Pegasus'],
  // Llama 2 and 3 were trained in bf16 (their model cards; transformers' Llama 2 page: fp16 training is known to give
  // nan), and so was Gemma (its weights ship as bf16)
  [/^(?:meta-)?llama-?2(?:[-_]|$)/, 'Llama 2'],
  [/^(?:meta-)?llama-?3(?:\.\d)?(?:[-_]|$)/, 'Llama 3'],
  [/^(?:code|recurrent)?gemma(?:-?\d)?(?:[-_]|$)/, 'Gemma'],
  // GLM-4: its maintainers say fine-tuning in fp16 overflows and needs bf16 (THUDM/GLM-4 #96, #234)
  [/^glm-?4(?:[-_.]|$)/, 'GLM-4'],
];
const CLASSES = /^(T5|MT5|UMT5|LongT5|SwitchTransformers|Pegasus|BigBirdPegasus)(ForConditionalGeneration|EncoderModel|Model|ForQuestionAnswering|ForSequenceClassification|ForTokenClassification)$/;

/** The bf16-pretrained family a model id or class name belongs to. */
export function bf16Family(name: string): string | undefined {
  const cls = CLASSES.exec(name);
  if (cls) return cls[1] === 'MT5' || cls[1] === 'UMT5' || cls[1] === 'LongT5' ? 'T5' : cls[1].replace('SwitchTransformers', 'Switch Transformers');
  const id = name.trim().replace(/\/+$/, '').split(/[\\/]/).pop()?.toLowerCase() ?? '';
  if (/(^|\/)bigscience\/t0$/i.test(name.trim())) return 'T0';
  return FAMILIES.find(([re]) => re.test(id))?.[1];
}

/** Text that names such a model (a callee, a bound expression): `t5_encode_text`, `self.t5`, `T5EncoderModel`. */
export function mentionsBf16Model(text: string): boolean {
  return /(^|[^a-z0-9])(flan_?)?(m|by|um)?t5([^a-z0-9]|$)/i.test(text) || /\b(T5|MT5|UMT5|LongT5|Pegasus)[A-Z]\w*/.test(text);
}

const MODEL_KEY = /model|checkpoint|ckpt|pretrained|encoder|backbone|name|path|arch|base|teacher|student/i;

interface Argument {
  text: string;
  value?: unknown;
  configKey: string | null;
}

/** The bf16-pretrained models the run loads or names, first where the run chooses it (command line, config, script). */
export function bf16Models(ctx: RuleContext): Bf16Model[] {
  const found: (Bf16Model & { rank: number })[] = [];
  const add = (name: string, file: string, line: number, rank: number) => {
    const family = bf16Family(name);
    if (family && !found.some((m) => m.file === file && m.line === line)) found.push({ name, family, file, line, rank });
  };
  const lookup = runConfig(ctx);
  // the run's own choice first: its command line, its configs, the models its code loads, then a script's constants
  const rank = (source: string) => (source === 'command' || source === 'shell' || source === 'log' ? 0 : source === 'python' || source === 'python-default' ? 3 : 1);
  // a model id is the value of a key that names a model (`model_name_or_path`, `checkpoint`, `DEFAULT_T5_NAME`), or an `org/name` id
  for (const v of ctx.files.flatMap((f) => f.values)) {
    if (typeof v.value !== 'string' || ruledOut(v, lookup) || !(MODEL_KEY.test(v.keyPath) || /^[\w.-]+\/[\w.-]+$/.test(v.value))) continue;
    add(v.value, v.file, v.range.start.line + 1, rank(v.source));
  }
  for (const fact of ctx.facts.filter((f): f is ScriptFact => f.kind === 'pretrained-model')) {
    const line = fact.range.start.line + 1;
    if (typeof fact.detail?.class === 'string') add(fact.detail.class, fact.file, line, 2);
    const arg = fact.detail?.name as Argument | null | undefined;
    const named = arg && (typeof arg.value === 'string' ? arg.value : arg.configKey ? lookup(arg.configKey) : undefined);
    if (typeof named === 'string') add(named, fact.file, line, 2);
  }
  return found.sort((a, b) => a.rank - b.rank).map(({ rank: _rank, ...m }) => m);
}

/** `training.py:24 google/flan-t5-base` */
export function modelRef(m: Bf16Model): string {
  return `${baseName(m.file)}:${m.line} ${m.name}`;
}
