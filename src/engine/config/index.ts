// Config locators: pick one by file name or content, and never throw for a bad file.
import { readFile, stat } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import type { LocatedFile, LocatedValue } from '../types';
import { locateJson } from './json';
import { locatePython } from './python';
import { commandValues, locateShell, shellCommands } from './shell';
import { LineIndex } from './text';
import { locateToml } from './toml';
import { locateYaml } from './yaml';
import { locateIni } from './ini';
import { hashComments } from './comments';
import { locateNotebook } from './notebook';

/** Files larger than this are not configs or scripts anyone edits by hand. */
export const MAX_CONFIG_BYTES = 4 * 1024 * 1024;

export type ConfigLanguage = 'yaml' | 'json' | 'toml' | 'python' | 'shell' | 'ini' | 'notebook';

/** The locators, by language and the extensions they read: discovery derives its config extensions from this table. */
const locators: { language: ConfigLanguage; extensions: string[]; hashComments: boolean; locate: (file: string, text: string) => LocatedFile | Promise<LocatedFile> }[] = [
  { language: 'yaml', extensions: ['.yaml', '.yml'], hashComments: true, locate: locateYaml },
  { language: 'json', extensions: ['.json', '.jsonc', '.json5'], hashComments: false, locate: locateJson },
  { language: 'toml', extensions: ['.toml'], hashComments: true, locate: locateToml },
  { language: 'python', extensions: ['.py', '.pyi'], hashComments: true, locate: locatePython },
  { language: 'shell', extensions: ['.sh', '.bash', '.zsh', '.slurm', '.sbatch', '.pbs', '.job'], hashComments: true, locate: locateShell },
  { language: 'ini', extensions: ['.cfg', '.ini', '.conf'], hashComments: true, locate: locateIni },
  // A notebook's code cells are read as Python and mapped back to their cells.
  { language: 'notebook', extensions: ['.ipynb'], hashComments: false, locate: locateNotebook },
];

/** Every extension a locator reads (`.yaml`, `.py`, `.sh`, …). */
export const configExtensions: ReadonlySet<string> = new Set(locators.flatMap((l) => l.extensions));

/** Which locator reads a file, by extension, then by a `#!` line or the first characters. */
export function languageOf(file: string, text = ''): ConfigLanguage | null {
  const ext = extname(file).toLowerCase();
  const name = basename(file).toLowerCase();
  const byExtension = locators.find((l) => l.extensions.includes(ext));
  if (byExtension) return byExtension.language;
  const first = text.slice(0, 200).split('\n')[0];
  if (/^#!.*\b(ba|z|da|k)?sh\b/.test(first)) return 'shell';
  if (/^#!.*python/.test(first)) return 'python';
  if (name === 'makefile' || name === 'dockerfile') return null;
  const start = text.trimStart();
  if (start.startsWith('{')) return 'json';
  if (/^[\w.-]+\s*:\s/m.test(start.slice(0, 500)) && !/^\s*(import|from|def|class)\b/m.test(start.slice(0, 500))) return 'yaml';
  return null;
}

/** Locates every setting in one file's text. Parse errors become `error`, with whatever values could still be read. */
export async function locate(file: string, text: string, language: ConfigLanguage | null = languageOf(file, text)): Promise<LocatedFile> {
  const locator = locators.find((l) => l.language === language);
  if (!locator) return { file, language: 'unknown', values: [], facts: [], error: `${file}: not a config format NaN Doctor reads (YAML, JSON, TOML, Python, shell, notebooks)` };
  try {
    const located = await locator.locate(file, text);
    if (locator.hashComments) located.comments = hashComments(text);
    return located;
  } catch (e) {
    return { file, language: locator.language, values: [], facts: [], error: `could not read ${file}: ${(e as Error).message}` };
  }
}

/** Reads and locates a file on disk; unreadable, binary or huge files give a LocatedFile with `error`, never a throw. */
export async function locateFile(absPath: string, displayPath: string): Promise<LocatedFile> {
  const failed = (message: string): LocatedFile => ({
    file: displayPath,
    language: languageOf(absPath) ?? 'unknown',
    values: [],
    facts: [],
    error: `${displayPath}: ${message}`,
  });
  let bytes: Buffer;
  try {
    const info = await stat(absPath);
    if (info.isDirectory()) return failed('is a directory, not a file');
    if (info.size > MAX_CONFIG_BYTES) return failed(`is ${(info.size / 1024 / 1024).toFixed(1)} MB, too large for a config or script (limit ${MAX_CONFIG_BYTES / 1024 / 1024} MB)`);
    bytes = await readFile(absPath);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const reason = err.code === 'ENOENT' ? 'no such file' : err.code === 'EACCES' ? 'permission denied' : err.message;
    return failed(`cannot read: ${reason}`);
  }
  if (bytes.subarray(0, 8192).includes(0)) return failed('is a binary file, not a config or script');
  const text = new TextDecoder('utf-8').decode(bytes).replace(/^\uFEFF/, '');
  // The display path may have lost the extension (an editor's untitled name); the real path still has it.
  return locate(displayPath, text, languageOf(displayPath) ?? languageOf(absPath, text));
}

/**
 * Settings on a command line seen in a log or terminal
 * (`accelerate launch --mixed_precision fp16 train.py --learning_rate=1e-3`).
 * Ranges are on `line` (0-based) of `file`, at the command's own character offsets.
 */
export function locateCommandLine(command: string, file: string, line = 0): LocatedValue[] {
  const index = new LineIndex(command);
  const vars = new Map<string, LocatedValue>();
  const values = shellCommands(command).flatMap((words) => commandValues(words, file, index, 'command', vars));
  if (line === 0) return values;
  const shift = (r: LocatedValue['range']) => ({
    start: { line: r.start.line + line, character: r.start.character },
    end: { line: r.end.line + line, character: r.end.character },
  });
  return values.map((v) => ({ ...v, range: shift(v.range), keyRange: v.keyRange && shift(v.keyRange) }));
}

export { launchOf, shellCommands, shellLaunches, type Launch } from './shell';
