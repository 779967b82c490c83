// What a run's log itself says about its settings: the flags of the command line it printed, and the setup its
// first lines report (processes, batch sizes, launcher overrides). Located on the log, so a diagnostic can cite
// the line; the CLI's diagnose and the language server both read runs through this.
import { open, readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import type { LocatedFile, LocatedValue, Range, RunScan } from './types';
import { locateCommandLine, shellCommands } from './config/index';
import type { ShellWord } from './config/shell';
import { processesFromLaunchScript, runSetupValues } from './run-setup';
import { LineIndex } from './config/text';

const HEAD_BYTES = 64 * 1024;

async function logHead(path: string): Promise<string> {
  try {
    const handle = await open(path, 'r');
    try {
      const buffer = Buffer.alloc(HEAD_BYTES);
      const { bytesRead } = await handle.read(buffer, 0, HEAD_BYTES, 0);
      const bytes = buffer.subarray(0, bytesRead);
      return bytes.includes(0) ? '' : bytes.toString('utf8');
    } catch {
      return '';
    } finally {
      await handle.close();
    }
  } catch {
    return '';
  }
}

/** The 0-based line and column where `text` first appears in the head of a log. */
function findLine(head: string, text: string): { line: number; column: number } | undefined {
  const lines = head.split('\n');
  for (let n = 0; n < lines.length; n++) {
    const column = lines[n].indexOf(text);
    if (column >= 0) return { line: n, column };
  }
  return undefined;
}

/**
 * `bash tools/dist_train.sh cfg.py 4`: the number of processes a command passes to a launch script as an
 * argument (the script, read from the first of `bases` that has it, starts `--nproc_per_node=$GPUS` with `GPUS=$2`),
 * and the word of `text` that holds it.
 */
async function scriptArgumentProcesses(text: string, bases: string[]): Promise<{ value: number; word: ShellWord } | undefined> {
  for (const words of shellCommands(text)) {
    const i = words.findIndex((w) => /\.sh$/.test(w.value));
    if (i < 0) continue;
    const script = words[i].value;
    let called: string | undefined;
    for (const base of bases) {
      called = await readFile(isAbsolute(script) ? script : resolve(base, script), 'utf8').catch(() => undefined);
      if (called !== undefined) break;
    }
    if (called === undefined) continue;
    const args = words.slice(i + 1);
    const found = processesFromLaunchScript(called, args.map((w) => w.value));
    if (found && found.argument >= 0) return { value: found.value, word: args[found.argument] };
  }
  return undefined;
}

const processesValue = (file: string, value: number, text: string, range: Range, source: string): LocatedValue => ({ file, keyPath: 'nproc_per_node', key: 'nproc_per_node', value, text, range, source });

/** The launch script's process count in the log's own command line (`at`: where the command starts in the log). */
async function launchScriptProcesses(command: string, at: { line: number; column: number }, log: string, root: string, logDir: string): Promise<LocatedValue[]> {
  const found = await scriptArgumentProcesses(command, [root, logDir]);
  if (!found) return [];
  const character = at.column + found.word.start;
  return [processesValue(log, found.value, found.word.raw, { start: { line: at.line, character }, end: { line: at.line, character: character + found.word.raw.length } }, 'command')];
}

/**
 * A project's launch script that runs another with the GPU count as an argument (`bash tools/dist_train.sh cfg.py 3`
 * in scripts/train.sh): that argument is the run's number of processes, located in the launch script.
 */
export async function launchedProcesses(file: LocatedFile, path: string, root: string): Promise<LocatedValue[]> {
  if (file.language !== 'shell') return [];
  const text = await readFile(path, 'utf8').catch(() => '');
  if (!/\.sh\b/.test(text)) return [];
  const found = await scriptArgumentProcesses(text, [root, dirname(path)]);
  if (!found) return [];
  return [processesValue(file.file, found.value, found.word.raw, new LineIndex(text).range(found.word.start, found.word.end), 'shell')];
}

/** The run's own settings file: command-line flags and reported setup, on the log's lines. */
export async function runSettings(run: RunScan, logPath: string, root: string): Promise<LocatedFile> {
  const head = await logHead(logPath);
  const values: LocatedValue[] = runSetupValues(head, run.log);
  if (run.command) {
    const found = findLine(head, run.command) ?? { line: 0, column: 0 };
    const shift = found.column;
    const move = (r: LocatedValue['range']) => ({ start: { ...r.start, character: r.start.character + shift }, end: { ...r.end, character: r.end.character + shift } });
    for (const v of locateCommandLine(run.command, run.log, found.line)) values.push({ ...v, range: move(v.range), keyRange: v.keyRange && move(v.keyRange) });
    values.push(...(await launchScriptProcesses(run.command, found, run.log, root, dirname(logPath))));
  }
  return { file: run.log, language: 'shell', values, facts: [] };
}
