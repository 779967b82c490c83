// Shell launch scripts and command lines: `--key=value`, `--key value`, `NAME=value`,
// across backslash-continued lines; plus which script and configs a launch command runs.
import type { LocatedFile, LocatedValue } from '../types';
import { lastKey, LineIndex, parseScalar } from './text';

export interface ShellWord {
  /** The word as written (quotes included). */
  raw: string;
  /** The word after quote removal. */
  value: string;
  start: number;
  end: number;
}

/** Splits shell text into simple commands (words with offsets); `;`, `&&`, `||`, `|` and unescaped newlines end a command. */
export function shellCommands(text: string): ShellWord[][] {
  const commands: ShellWord[][] = [];
  let words: ShellWord[] = [];
  const endCommand = () => {
    if (words.length) commands.push(words);
    words = [];
  };
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === '\\' && (text[i + 1] === '\n' || (text[i + 1] === '\r' && text[i + 2] === '\n'))) {
      i += text[i + 1] === '\n' ? 2 : 3;
    } else if (c === ' ' || c === '\t' || c === '\r') {
      i++;
    } else if (c === '\n' || c === ';' || c === '|' || c === '&' || c === '(' || c === ')') {
      endCommand();
      i++;
    } else if (c === '#') {
      while (i < text.length && text[i] !== '\n') i++;
    } else {
      const start = i;
      let value = '';
      while (i < text.length && !/[\s;|&()]/.test(text[i])) {
        const q = text[i];
        if (q === "'" || q === '"') {
          const close = findClose(text, i + 1, q);
          value += unescape(text.slice(i + 1, close), q);
          i = Math.min(close + 1, text.length);
        } else if (q === '\\' && i + 1 < text.length) {
          if (text[i + 1] === '\n') break;
          value += text[i + 1];
          i += 2;
        } else {
          value += q;
          i++;
        }
      }
      words.push({ raw: text.slice(start, i), value, start, end: i });
    }
  }
  endCommand();
  return commands;
}

function findClose(text: string, from: number, quote: string): number {
  for (let j = from; j < text.length; j++) {
    if (text[j] === quote) return j;
    if (quote === '"' && text[j] === '\\') j++;
  }
  return text.length;
}

function unescape(s: string, quote: string): string {
  return quote === '"' ? s.replace(/\\(["\\$`])/g, '$1').replace(/\\\n/g, '') : s;
}

const ASSIGNMENT = /^([A-Za-z_][A-Za-z0-9_]*)=/;

/** `NAME="…"` / `NAME='…'`: the quoted text and where it starts in the file; null for any other word. */
function quotedAssignment(w: ShellWord): { text: string; start: number } | null {
  const a = ASSIGNMENT.exec(w.raw);
  const quoted = a ? /^(["'])([\s\S]*)\1$/.exec(w.raw.slice(a[0].length)) : null;
  return quoted ? { text: quoted[2], start: w.start + a![0].length + 1 } : null;
}
const YACS_KEY = /^[A-Z][A-Z0-9_]*(?:\.[A-Z][A-Z0-9_]*)+$/;

/** LocatedValues for one command's env assignments and options. */
export function commandValues(
  words: ShellWord[],
  file: string,
  index: LineIndex,
  source: string,
  vars: Map<string, LocatedValue> = new Map(),
): LocatedValue[] {
  const out: LocatedValue[] = [];
  const at = (keyPath: string, raw: string, value: unknown, start: number, end: number, keyStart: number): LocatedValue => ({
    file,
    keyPath,
    key: lastKey(keyPath),
    value,
    text: raw,
    range: index.range(start, end),
    keyRange: index.range(keyStart, end),
    source,
  });
  // A value like `$LR` is reported where LR is written, as YAML aliases are.
  const resolved = (keyPath: string, word: ShellWord, offset: number, keyStart: number): LocatedValue => {
    const raw = word.raw.slice(offset);
    const ref = /^["']?\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?["']?$/.exec(raw) ?? /^["']?\$\{([A-Za-z_][A-Za-z0-9_]*):?-([^}]*)\}["']?$/.exec(raw);
    const target = ref ? vars.get(ref[1]) : undefined;
    if (target) return { ...target, keyPath, key: lastKey(keyPath) };
    // `${LR:-1e-3}` with LR not set in this script: the default is the value written here.
    if (ref?.[2] !== undefined && ref[2] !== '') {
      const at0 = word.start + offset + raw.indexOf(ref[2], ref[1].length + 2);
      return at(keyPath, ref[2], parseScalar(ref[2]), at0, at0 + ref[2].length, keyStart);
    }
    return at(keyPath, raw, parseScalar(shellUnquote(raw)), word.start + offset, word.end, keyStart);
  };

  let i = 0;
  if (words[0]?.value === 'export') i++;
  for (; i < words.length && ASSIGNMENT.test(words[i].raw); i++) {
    const w = words[i];
    const name = ASSIGNMENT.exec(w.raw)![1];
    const v = resolved(name, w, name.length + 1, w.start);
    vars.set(name, v);
    out.push(v);
    // `gpt_options=" --lr 0.0002 --fp16 …"` (Megatron-style launch scripts): the options the launch expands later
    const quoted = quotedAssignment(w);
    if (quoted && /(^|\s)--[A-Za-z]/.test(quoted.text)) {
      for (const inner of shellCommands(quoted.text)) {
        const shifted = inner.map((x) => ({ ...x, start: x.start + quoted.start, end: x.end + quoted.start }));
        out.push(...commandValues(shifted, file, index, source, vars));
      }
    }
  }
  for (; i < words.length; i++) {
    const w = words[i];
    const next0 = words[i + 1];
    // yacs-style overrides after the script (detectron2, maskrcnn-benchmark): `SOLVER.IMS_PER_BATCH 2`.
    if (YACS_KEY.test(w.raw) && next0 && !next0.raw.startsWith('-') && !YACS_KEY.test(next0.raw)) {
      out.push(resolved(w.raw, next0, 0, w.start));
      i++;
      continue;
    }
    // A one-letter option with a value (`-b 256`, `-c cfg.yaml`): the short spelling of a setting.
    const short = /^-([A-Za-z])$/.exec(w.raw);
    if (short && next0 && /^[-+]?(\d|\.\d)/.test(next0.raw)) {
      out.push(resolved(short[1], next0, 0, w.start));
      i++;
      continue;
    }
    const opt = /^--?([A-Za-z][\w.-]*)(=)?/.exec(w.raw);
    if (!opt || !w.raw.startsWith('--')) continue;
    const name = opt[1];
    if (opt[2]) {
      out.push(resolved(name, w, opt[0].length, w.start));
      continue;
    }
    const next = words[i + 1];
    if (next && !/^--/.test(next.raw) && !(next.raw.startsWith('-') && !/^-[\d.]/.test(next.raw)) && !isScript(next.value) && !YACS_KEY.test(next.raw)) {
      out.push(resolved(name, next, 0, w.start));
      i++;
    } else {
      // A bare flag such as `--fp16`: the flag itself is the value text a fix would replace.
      out.push(at(name, w.raw, true, w.start, w.end, w.start));
    }
  }
  return out;
}

function shellUnquote(raw: string): string {
  return shellCommands(raw)[0]?.map((w) => w.value).join(' ') ?? '';
}

function isScript(word: string): boolean {
  return /\.(py|sh)$/.test(word);
}

export interface Launch {
  /** The program that was launched: python, accelerate, torchrun, deepspeed, … */
  launcher: string;
  /** The training script (`train.py`) or module (`-m pkg.train`), as written. */
  script: string | null;
  /** Config files the command names (`--config X`, `--deepspeed ds.json`, `--config_file accelerate.yaml`, positional `*.yaml`). */
  configs: string[];
  /** Words after the script that are not options or their values (`dist_train.sh configs/x.py 4` → configs/x.py, 4). */
  positional: string[];
}

const CONFIG_OPTIONS = /^--?(config|config[-_]file|config[-_]path|cfg|deepspeed|deepspeed[-_]config|ds[-_]config|hparams|conf|c)$/;
const LAUNCHER_MODULES = /^(torch\.distributed\.(launch|run)|accelerate\.commands\.launch|deepspeed(\.launcher\.runner)?)$/;
const CONFIG_FILE = /\.(ya?ml|json|jsonc|toml|cfg|ini)$/;
const MODULE_NAME = /^[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+$/;

// Training tools installed as commands, whose --config names the run's config (no script of the project runs).
const TRAINING_CLI = /^(onmt-main|onmt-train|fairseq-train|fairseq-hydra-train|t2t-trainer|marian|allennlp|llamafactory-cli|axolotl|yolo|tune|ludwig|nemo)$/;

/** What a launch command runs: `accelerate launch … train.py --config X`, `deepspeed train.py --deepspeed ds.json`, … */
export function launchOf(words: ShellWord[]): Launch | null {
  let i = 0;
  while (i < words.length && (ASSIGNMENT.test(words[i].raw) || ['export', 'exec', 'nohup', 'time', 'env'].includes(words[i].value))) i++;
  if (i >= words.length) return null;
  const launcher = words[i].value.split('/').pop() ?? '';
  let script: string | null = null;
  const configs: string[] = [];
  const positional: string[] = [];
  // `accelerate launch -m --config_file x.yaml … scripts.train_stage1`: `-m` is a flag, the module comes after the options.
  let moduleMode = false;
  for (let j = i; j < words.length; j++) {
    const w = words[j].value;
    const eq = /^(--?[\w.-]+)=(.*)$/.exec(w);
    if (eq && CONFIG_OPTIONS.test(eq[1])) {
      if (eq[2]) configs.push(eq[2]);
    } else if (CONFIG_OPTIONS.test(w) && words[j + 1] && !words[j + 1].value.startsWith('-')) {
      configs.push(words[++j].value);
    } else if ((w === '-m' || w === '--module') && !script && words[j + 1]?.value.startsWith('-')) {
      moduleMode = true;
    } else if (w === '-m' && !script && words[j + 1]) {
      const module = words[++j].value;
      // `python -m torch.distributed.run … train.py`: the launcher is a module, the script comes later.
      if (!LAUNCHER_MODULES.test(module)) script = module;
    } else if (moduleMode && !script && MODULE_NAME.test(w) && !CONFIG_FILE.test(w) && !words[j - 1]?.value.startsWith('-')) {
      script = w;
    } else if (!script && isScript(w)) {
      script = w;
    } else if (script && CONFIG_FILE.test(w) && !w.startsWith('-')) {
      configs.push(w);
      positional.push(w);
    } else if (script && !w.startsWith('-') && !words[j - 1]?.value.startsWith('-')) {
      positional.push(w);
    }
  }
  if (!script && TRAINING_CLI.test(launcher) && configs.length) return { launcher, script: null, configs, positional };
  if (!script && !/^(python[\d.]*|accelerate|torchrun|deepspeed|srun|mpirun|horovodrun|lightning|composer)$/.test(launcher)) return null;
  return { launcher, script, configs, positional };
}

export function locateShell(file: string, text: string): LocatedFile {
  const index = new LineIndex(text);
  const vars = new Map<string, LocatedValue>();
  const values = shellCommands(text).flatMap((words) => commandValues(words, file, index, 'shell', vars));
  return { file, language: 'shell', values, facts: [] };
}

/** The script's commands, and those it keeps in a quoted variable to run later (`run_cmd="mpirun … python train.py"`). */
function commandsWithQuoted(text: string): ShellWord[][] {
  const out: ShellWord[][] = [];
  for (const words of shellCommands(text)) {
    out.push(words);
    for (const w of words) {
      if (!ASSIGNMENT.test(w.raw)) break;
      const quoted = quotedAssignment(w);
      if (quoted) out.push(...shellCommands(quoted.text));
    }
  }
  return out;
}

/** The launches a shell script makes, in order. */
export function shellLaunches(text: string): Launch[] {
  return commandsWithQuoted(text)
    .map(launchOf)
    .filter((l): l is Launch => l !== null && l.script !== null);
}

/** Commands of installed training tools (`onmt-main --config config.yml …`): the configs they are given. */
export function shellToolConfigs(text: string): string[] {
  return commandsWithQuoted(text)
    .map(launchOf)
    .flatMap((l) => (l && l.script === null ? l.configs : []));
}
