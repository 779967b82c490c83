// Which logs, configs and training scripts a run used: named ones first, then the run's own
// command line, the script's `--config` default, paths the log mentions, and files that set training keys.
import { open, readdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname, extname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { RunScan } from './types';
import { configExtensions, languageOf as configLanguageOf, locate, MAX_CONFIG_BYTES } from './config/index';
import { launchOf, shellCommands, shellLaunches, shellToolConfigs } from './config/shell';
import { runCode } from './config/python-imports';
import { defaultLogGlobs, isTrainingOutput, trainingOutputMatcher } from './output/training-output';
import { commandLine } from './output/formats/index';
import { trainingKeyWords } from './hyperparameters/names';

const isExcludedPath = trainingOutputMatcher().isExcluded;

export interface DiscoverOptions {
  logs?: string[];
  configs?: string[];
  runs?: RunScan[];
  /** Scripts known to be the runs' own (a notebook whose cell printed the run), relative to root or absolute. */
  scripts?: string[];
}

export interface Discovery {
  logs: string[];
  configs: string[];
  scripts: string[];
  notes: string[];
}

const MAX_FILES = 50_000;
const MAX_ENTRIES = 200_000;
const MAX_SCORED = 1500;
const MAX_SCORED_BYTES = 1024 * 1024;
const MAX_DEPTH = 10;
/** Logs past this size are still logs; configs past MAX_CONFIG_BYTES are not read. */
const MAX_LOG_BYTES = 4 * 1024 * 1024 * 1024;
const CONFIG_EXT = configExtensions;
const NOT_CONFIG = /(^|\/)(package(-lock)?\.json|tsconfig.*\.json|trainer_state\.json|metrics\.json|tokenizer(_config)?\.json|vocab\.json|special_tokens_map\.json|model\.json|.*\.ipynb|setup\.py|conftest\.py|\.pre-commit-config\.yaml|environment\.ya?ml|docker-compose\.ya?ml|mkdocs\.ya?ml|pyproject\.toml|Cargo\.toml)$/;
// The files a run writes its own settings to, in its output folder (efficientvit's args.yaml, Lightning's hparams.yaml).
const RUN_SETTINGS = /^(?:args|config|cfg|hparams|hyperparameters|params|opt|options|run_config|training_args)\.(?:ya?ml|json)$/i;
const RUN_LOG_DIR = /^(?:logs?|outputs?)$/i;
const SETTINGS_CONFIG_PATH = /^\s*"?(?:config|cfg|config_file|cfg_file|config_path)"?\s*[:=]\s*['"]?([^\s'",]+\.(?:ya?ml|json|py))/gm;
const RUN_DUMP = /(^|\/)(wandb|mlruns|lightning_logs|\.hydra|checkpoint-\d+)\//;
// A string that starts a training launcher: `"accelerate launch …"`, `f"torchrun {script} …"`.
const LAUNCH_STRING = /[rfbu]{0,2}["'][^"'\n]*\b(?:accelerate\s+launch|torchrun|deepspeed\s|python3?\s+-m\s+torch\.distributed)/;
const CI_DIR = /(^|\/)(\.github|\.gitlab|\.circleci|tests?|docs?)\//;
// The hyperparameter vocabulary's words (../hyperparameters/names.ts): how many distinct ones a file sets ranks it.
const TRAINING_KEYS = new RegExp(`\\b(${trainingKeyWords.join('|')})\\b`, 'g');
// (HF: a Trainer built, or subclassed as RLHF and reward-model code does, or its TrainingArguments built in code)
// (`loss_scaler(loss, optimizer, clip_grad=…)`: timm's NativeScaler does backward and step, the MAE/DeiT family's loop;
// `train_one_epoch(`: their main script, which builds the optimizer and runs that loop; `optimizer.minimize(loss)` and
// `sess.run([train_op, …])`: TensorFlow 1 and PaddlePaddle fluid graphs)
const TRAINING_SCRIPT = /\.backward\(|optimizer\.step\(|\.fit\(|Trainer\(|TrainingArguments\(|\bclass\s+\w+\(\s*[\w.]*Trainer\s*\)|trainer\.(train|fit)\(|accelerator\.backward\(|train_step\(|runner\.train\(|\.apply_gradients\(|\bloss_scaler\(\s*\w*loss\b|\btrain_one_epoch\(|\.minimize\(\s*[\w.]*loss|\.run\(\s*\[?\s*[\w.]*train_op/;

/** Is this path (relative, `/`-separated) training output by its name? The one definition: ./output/training-output.ts. */
export const isLogPath = isTrainingOutput;

export async function discover(root: string, opts: DiscoverOptions = {}): Promise<Discovery> {
  const base = resolve(root);
  const notes: string[] = [];
  const rel = (p: string) => toPosix(relative(base, resolve(base, p)));
  const files = await listFiles(base, notes);
  const fileSet = new Set(files.map((f) => f.rel));

  // ---- logs ----
  let logs: string[];
  if (opts.logs?.length) {
    logs = unique(opts.logs.map(rel));
    for (const l of logs) notes.push(`log ${l}: named on the command line`);
  } else {
    logs = files.filter((f) => isLogPath(f.rel) && f.size <= MAX_LOG_BYTES).map((f) => f.rel);
    for (const l of logs) notes.push(`log ${l}: its name looks like training output`);
  }
  // A script named as the run's own (its notebook) is read as code, not as another run's output.
  const namedScripts = (opts.scripts ?? []).map(rel);
  logs = logs.filter((l) => !namedScripts.includes(l));
  const logSet = new Set(logs);

  const configs: string[] = [];
  const scripts: string[] = [];
  const addConfig = (p: string, why: string) => {
    if (configs.includes(p) || scripts.includes(p) || logSet.has(p)) return;
    configs.push(p);
    notes.push(`config ${p}: ${why}`);
  };
  const addScript = (p: string, why: string) => {
    if (scripts.includes(p) || logSet.has(p)) return;
    const i = configs.indexOf(p);
    if (i >= 0) configs.splice(i, 1);
    scripts.push(p);
    notes.push(`script ${p}: ${why}`);
  };
  // A path from a command line or a default, as seen from the run's directory, the log's, or by its tail.
  const find = (path: string, near: string[]): string | null => {
    const candidates = isAbsolute(path) ? [path] : [join(base, path), ...near.map((d) => join(base, d, path))];
    for (const c of candidates) {
      const r = toPosix(relative(base, c));
      if (fileSet.has(r)) return r;
    }
    return bySuffix(path, files.map((f) => f.rel));
  };

  if (opts.configs?.length) {
    for (const c of opts.configs) {
      const r = rel(c);
      if (configLanguageOf(r) === 'python' && !(await looksLikePythonConfig(join(base, r)))) addScript(r, 'named with --config');
      else addConfig(r, 'named with --config');
    }
  }
  const explicitConfigs = configs.length > 0;

  for (const s of namedScripts) addScript(s, "the run's own notebook");
  // A notebook that went non-finite is its own training script: its code cells set what its outputs show.
  for (const run of opts.runs ?? []) {
    const nb = rel(run.log);
    if (run.incident && /\.ipynb$/i.test(nb) && !scripts.includes(nb)) {
      scripts.push(nb);
      notes.push(`script ${nb}: the notebook's own code cells`);
    }
  }

  // ---- the command lines the runs show ----
  const commands: { command: string; log: string }[] = (opts.runs ?? []).filter((r) => r.command).map((r) => ({ command: r.command!, log: r.log }));
  for (const log of logs) for (const command of await commandsInLog(join(base, log))) commands.push({ command, log });
  const launchFiles = new Set<string>();
  // A script given a config on its command line does not fall back to that option's default.
  const configuredScripts = new Set<string>();
  const launchTexts = commands.map((c) => c.command);
  for (const { command, log } of commands) {
    for (const words of shellCommands(command)) {
      const launch = launchOf(words);
      if (!launch) continue;
      const near = [dirname(rel(log))];
      const s = launch.script ? find(scriptPath(launch.script), near) : null;
      if (s && configLanguageOf(s) === 'python') addScript(s, `the command line in ${rel(log)} runs it`);
      else if (s) {
        launchFiles.add(s);
        // `bash tools/dist_train.sh configs/x.py 4`: the script's arguments name the config (mmdet's are Python files).
        for (const arg of launch.positional) {
          const found = /\.(py|ya?ml|json|toml)$/.test(arg) ? find(arg, near) : null;
          if (found && !explicitConfigs && (configLanguageOf(found) !== 'python' || (await looksLikePythonConfig(join(base, found))))) addConfig(found, `the command line in ${rel(log)} passes it to ${s}`);
        }
      }
      for (const c of launch.configs) {
        const found = find(c, near);
        if (found && !explicitConfigs) addConfig(found, `the command line in ${rel(log)} names it`);
        if (found && s) configuredScripts.add(s);
      }
    }
  }

  // ---- shell launch scripts: they carry settings and name the script and configs ----
  // Launch scripts the run used first, so one that calls another (`./train_mnv3.sh` → `./distributed_train.sh`) is followed.
  // Then those that only call other launch scripts (`sh distributed_train.sh 1 … --lr .064`), once those are known.
  const shellTexts = new Map<string, string>();
  for (const f of files) if (configLanguageOf(f.rel) === 'shell' && f.size <= MAX_CONFIG_BYTES && !CI_DIR.test(f.rel)) shellTexts.set(f.rel, await readText(join(base, f.rel)));
  const callsShell = (rel: string) => shellLaunches(shellTexts.get(rel)!).some((l) => !!l.script && /\.sh$/.test(l.script));
  const shellFiles = files
    .filter((f) => shellTexts.has(f.rel))
    .sort((a, b) => Number(launchFiles.has(b.rel)) - Number(launchFiles.has(a.rel)) || Number(callsShell(a.rel)) - Number(callsShell(b.rel)));
  for (const f of shellFiles) {
    const text = shellTexts.get(f.rel)!;
    const launches = shellLaunches(text).filter((l) => l.script && /\.(py|sh)$|^[\w.]+$/.test(l.script));
    for (const l of launches.filter((x) => /\.sh$/.test(x.script!) && launchFiles.has(f.rel))) {
      const inner = find(l.script!, [dirname(f.rel)]);
      if (inner) launchFiles.add(inner);
    }
    // `onmt-main --config config.yml train`: an installed training tool runs, the project only gives its config
    const toolConfigs = scripts.length ? [] : shellToolConfigs(text).map((c) => find(c, [dirname(f.rel), '.'])).filter((c): c is string => c !== null);
    if (toolConfigs.length && !explicitConfigs) {
      addConfig(f.rel, 'a launch script that runs an installed training tool');
      launchTexts.push(text);
      for (const c of toolConfigs) addConfig(c, `${f.rel} passes it to the training tool`);
    }
    if (!launches.length) continue;
    const named = launchFiles.has(f.rel);
    // (directly, or through a launch script already known to run it: `sh distributed_train.sh 1 …`)
    const runsKnownScript = launches.some((l) => scripts.some((s) => s.endsWith(basename(l.script!))) || (/\.sh$/.test(l.script!) && configs.includes(find(l.script!, [dirname(f.rel)]) ?? '')));
    if (!named && scripts.length && !runsKnownScript) continue;
    addConfig(f.rel, named ? 'the run was launched with it' : 'a launch script that runs the training script');
    launchTexts.push(text);
    for (const l of launches.filter((x) => !/\.sh$/.test(x.script!))) {
      const s = find(scriptPath(l.script!), [dirname(f.rel)]);
      if (s && configLanguageOf(s) === 'python') addScript(s, `${f.rel} launches it`);
      for (const c of l.configs) {
        const found = find(c, [dirname(f.rel)]);
        if (found && !explicitConfigs) addConfig(found, `${f.rel} passes it to the script`);
        if (found && s) configuredScripts.add(s);
      }
    }
  }

  // ---- Python launchers: a UI or helper that builds the logged command line (`f"accelerate launch {fp16} {file_train} …"`) ----
  // Its own defaults (`mixed_precision="fp16"`) are what the run's flags came from. Beside the run's scripts, or at the top.
  if (commands.length && scripts.length) {
    const names = scripts.filter((s) => configLanguageOf(s) === 'python').map((s) => basename(s));
    const dirs = new Set(['.', ...scripts.map((s) => dirname(s))]);
    for (const f of files) {
      if (configLanguageOf(f.rel) !== 'python' || !dirs.has(dirname(f.rel)) || f.size > MAX_CONFIG_BYTES || scripts.includes(f.rel) || logSet.has(f.rel)) continue;
      const text = await readText(join(base, f.rel));
      const launched = names.find((n) => text.includes(n));
      if (launched && LAUNCH_STRING.test(text)) addScript(f.rel, `it builds the command line that launches ${launched}`);
    }
  }

  // ---- the settings a run wrote beside its log (`args.yaml`, `config.json` in the run's folder, or above its logs/) ----
  // (a dump, not the config a user edits: the configs that set training keys are still looked for)
  const runSettings = new Set<string>();
  if (!explicitConfigs) {
    const runDirs = new Set(logs.flatMap((l) => (RUN_LOG_DIR.test(basename(dirname(l))) ? [dirname(l), dirname(dirname(l))] : [dirname(l)])));
    for (const f of files) {
      if (!RUN_SETTINGS.test(basename(f.rel)) || !runDirs.has(dirname(f.rel)) || logSet.has(f.rel) || f.size > MAX_SCORED_BYTES) continue;
      const text = await readText(join(base, f.rel));
      if (keyCount(text) < 1) continue;
      addConfig(f.rel, 'the run wrote its settings beside its log');
      runSettings.add(f.rel);
      // `config: configs/cls/imagenet/l1.yaml`: the config file those settings came from
      for (const m of text.matchAll(SETTINGS_CONFIG_PATH)) {
        const found = find(m[1], [dirname(f.rel)]);
        if (found && CONFIG_EXT.has(extname(found))) addConfig(found, `${f.rel} names it`);
      }
    }
  }

  // ---- paths the logs mention ----
  if (!explicitConfigs) {
    for (const log of logs) {
      for (const mention of await configMentions(join(base, log))) {
        const found = find(mention, [dirname(log)]);
        if (found && !logSet.has(found) && CONFIG_EXT.has(extname(found)) && configLanguageOf(found) !== 'python') addConfig(found, `${log} mentions it`);
      }
    }
  }

  // ---- files that set training keys, nearest to the logs first ----
  const nearness = (p: string) => Math.max(0, ...logs.map((l) => sharedDirs(p, l)));
  const depth = (p: string) => p.split('/').length;
  // Reading is the cost: at most MAX_SCORED files, those nearest the logs and shallowest first.
  const candidates = files
    .filter((f) => CONFIG_EXT.has(extname(f.rel).toLowerCase()) && f.size <= MAX_SCORED_BYTES && !logSet.has(f.rel) && !NOT_CONFIG.test(f.rel) && !CI_DIR.test(f.rel))
    .sort((a, b) => nearness(b.rel) - nearness(a.rel) || depth(a.rel) - depth(b.rel))
    .slice(0, MAX_SCORED);
  const scored: { rel: string; score: number; kind: 'config' | 'script' }[] = [];
  for (const f of candidates) {
    if (configs.includes(f.rel) || scripts.includes(f.rel)) continue;
    const lang = configLanguageOf(f.rel);
    if (lang === 'shell') continue;
    const text = await readText(join(base, f.rel));
    if (lang === 'python') {
      if (TRAINING_SCRIPT.test(text)) scored.push({ rel: f.rel, score: keyCount(text), kind: 'script' });
      else if (/^\s*(optim_wrapper|optimizer|train_cfg|lr_config|optimizer_config)\s*=\s*dict\(/m.test(text)) scored.push({ rel: f.rel, score: keyCount(text), kind: 'config' });
    } else {
      const score = keyCount(text);
      if (score >= 2) scored.push({ rel: f.rel, score, kind: 'config' });
    }
  }
  // Copies a run wrote of its config (wandb, Lightning hparams.yaml, Hydra's .hydra/) come after the files a user edits.
  scored.sort((a, b) => Number(RUN_DUMP.test(a.rel)) - Number(RUN_DUMP.test(b.rel)) || nearness(b.rel) - nearness(a.rel) || b.score - a.score || a.rel.localeCompare(b.rel));
  if (!scripts.length) {
    for (const s of scored.filter((s) => s.kind === 'script').slice(0, 3)) addScript(s.rel, `a training script (optimizer step / backward), sets ${s.score} training keys`);
  }

  // ---- the scripts' own `--config` defaults (`--hyp` keeps its default when the launch gives only `--cfg`) ----
  if (!explicitConfigs) {
    const given = (option: string) => launchTexts.some((t) => new RegExp(`(^|\\s)${option.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(=|\\s|$)`, 'm').test(t));
    for (const s of scripts) {
      const located = await locate(s, await readText(join(base, s)));
      for (const fact of located.facts) {
        if (fact.kind !== 'config-default' || typeof fact.detail?.path !== 'string') continue;
        const option = typeof fact.detail.option === 'string' ? fact.detail.option : '';
        if (configuredScripts.has(s) && (!option || given(option))) continue;
        const found = find(fact.detail.path, [dirname(s), '.']);
        if (found) addConfig(found, `the --config default in ${s}`);
        else notes.push(`${s}: its --config default ${fact.detail.path} is not under ${root}`);
      }
    }
  }

  if (!explicitConfigs && !configs.some((c) => configLanguageOf(c) !== 'shell' && !runSettings.has(c))) {
    for (const c of scored.filter((s) => s.kind === 'config').slice(0, 5)) addConfig(c.rel, `sets ${c.score} training keys`);
  }
  // ---- what the configs inherit: detectron2 `_BASE_: "../Base-RetinaNet.yaml"`, mmcv `_base_ = ['../_base_/x.py']` ----
  for (let i = 0; i < configs.length && i < MAX_INHERITED; i++) {
    const c = configs[i];
    const lang = configLanguageOf(c);
    if (lang !== 'yaml' && lang !== 'python') continue;
    for (const b of inheritedPaths(await readText(join(base, c)))) {
      const target = toPosix(join(dirname(c), b)).replace(/^\.\//, '');
      if (fileSet.has(target)) addConfig(target, `${c} inherits it`);
    }
  }
  // ---- the project code the scripts import and the loss code the configs name (./config/python-imports.ts) ----
  for (const code of await runCode(base, { files: files.map((f) => f.rel), scripts, configs })) addScript(code.path, code.why);

  if (!logs.length) notes.push(`no training output found under ${root} (looked for ${defaultLogGlobs.map((g) => g.replace(/^\*\*\//, '')).join(', ')})`);
  return { logs, configs, scripts, notes };
}

interface ListedFile {
  rel: string;
  size: number;
}

async function listFiles(base: string, notes: string[]): Promise<ListedFile[]> {
  const out: ListedFile[] = [];
  const queue: { dir: string; depth: number }[] = [{ dir: base, depth: 0 }];
  let visited = 0;
  while (queue.length) {
    const { dir, depth } = queue.shift()!;
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      continue;
    }
    entries.sort((a, b) => a.name.localeCompare(b.name));
    for (const e of entries) {
      if (++visited > MAX_ENTRIES) {
        notes.push(`stopped listing after ${MAX_ENTRIES} entries; name the logs and configs to look further`);
        return out;
      }
      const abs = join(dir, e.name);
      if (e.isDirectory()) {
        // Virtual environments are skipped by their marker file too, whatever they are called.
        const relDir = toPosix(relative(base, abs));
        if (isExcludedPath(`${relDir}/`) || isExcludedPath(`${relDir}/x`) || depth >= MAX_DEPTH) continue;
        if (await exists(join(abs, 'pyvenv.cfg'))) continue;
        queue.push({ dir: abs, depth: depth + 1 });
      } else if (e.isFile()) {
        if (out.length >= MAX_FILES) {
          notes.push(`stopped listing after ${MAX_FILES} files; name the logs and configs to look further`);
          return out;
        }
        const rel = toPosix(relative(base, abs));
        // Only logs and config-like files matter; the rest are not even stat'ed.
        if (isExcludedPath(rel) || (!isLogPath(rel) && !CONFIG_EXT.has(extname(e.name).toLowerCase()))) continue;
        let size = 0;
        try {
          size = (await stat(abs)).size;
        } catch {
          continue;
        }
        out.push({ rel, size });
      }
    }
  }
  return out;
}

async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}

async function readText(p: string): Promise<string> {
  try {
    return await readFile(p, 'utf8');
  } catch {
    return '';
  }
}

/** The head of a log (a run prints its command and config paths first), as text. */
async function logHead(p: string, bytes = 64 * 1024): Promise<string> {
  if (/events\.out\.tfevents|\.csv$/.test(p)) return '';
  try {
    const handle = await open(p, 'r');
    try {
      const buffer = Buffer.alloc(bytes);
      const { bytesRead } = await handle.read(buffer, 0, bytes, 0);
      const text = buffer.subarray(0, bytesRead);
      return text.includes(0) ? '' : text.toString('utf8');
    } finally {
      await handle.close();
    }
  } catch {
    return '';
  }
}

/** Launch command lines printed in a log (`+ accelerate launch … train.py …`, `$ python train.py …`). */
export async function commandsInLog(p: string): Promise<string[]> {
  const out: string[] = [];
  for (const line of (await logHead(p)).split(/\r?\n/)) {
    const command = commandLine.exec(line.trim())?.groups?.command;
    if (command) out.push(command);
  }
  return out;
}

/** Config-looking paths a log mentions (`Loading config from configs/train/stage1.yaml`). */
async function configMentions(p: string): Promise<string[]> {
  const out = new Set<string>();
  for (const m of (await logHead(p)).matchAll(/[\w./~-]+\.(?:ya?ml|json|toml)\b/g)) out.add(m[0].replace(/^\.\//, ''));
  return [...out];
}

const MAX_INHERITED = 64;
const BASE_YAML = /^_BASE_:\s*["']?([^"'\s#]+)/m;
const BASE_PY = /^_base_\s*=\s*(\[[\s\S]*?\]|["'][^"']+["'])/m;

/** The files a config inherits from, as written (relative to the config's folder). */
function inheritedPaths(text: string): string[] {
  const yaml = BASE_YAML.exec(text);
  if (yaml) return [yaml[1]];
  const py = BASE_PY.exec(text);
  return py ? [...py[1].matchAll(/["']([^"']+)["']/g)].map((m) => m[1]) : [];
}

async function looksLikePythonConfig(p: string): Promise<boolean> {
  const text = await readText(p);
  return !TRAINING_SCRIPT.test(text) && /^\s*\w+\s*=\s*dict\(/m.test(text);
}

/** `train.py` stays; a module `pkg.train` (from `python -m`) is `pkg/train.py`. */
function scriptPath(script: string): string {
  return /\.(py|sh)$/.test(script) ? script : script.replace(/\./g, '/') + '.py';
}

function keyCount(text: string): number {
  return new Set([...text.matchAll(TRAINING_KEYS)].map((m) => m[1])).size;
}

/** The file under root whose path ends with the longest tail of `path` (a cluster path like /mnt/x/configs/a.yaml). */
function bySuffix(path: string, files: string[]): string | null {
  const parts = toPosix(path).split('/').filter((p) => p && p !== '.');
  for (let n = parts.length; n >= 1; n--) {
    const tail = parts.slice(-n).join('/');
    const hits = files.filter((f) => f === tail || f.endsWith('/' + tail));
    if (hits.length === 1) return hits[0];
    if (hits.length > 1) return n > 1 || parts.length === 1 ? hits.sort((a, b) => a.length - b.length)[0] : null;
  }
  return null;
}

function sharedDirs(a: string, b: string): number {
  const x = dirname(a).split('/');
  const y = dirname(b).split('/');
  let n = 0;
  while (n < x.length && n < y.length && x[n] === y[n] && x[n] !== '.') n++;
  return n;
}

function toPosix(p: string): string {
  return sep === '/' ? p : p.split(sep).join('/');
}

function unique<T>(items: T[]): T[] {
  return [...new Set(items)];
}
