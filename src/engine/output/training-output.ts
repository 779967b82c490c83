// What counts as training output, in one place: the file names NaN Doctor reads (globs), the folders it never
// searches, and what a file's first bytes must look like. Discovery (`nan-doctor diagnose DIR`), the language
// server's default settings, its folder walk and file sniffing, `scan` and the follower all use it, so the
// CLI and the editor find the same logs.
import { matcher } from '../glob';
import { findStructuredFormat } from './structured/index';

/** Training output by name: text logs, SLURM/nohup output, and the structured files NaN Doctor reads. */
export const defaultLogGlobs: string[] = [
  '**/*.log',
  '**/*.out',
  '**/*.err',
  '**/log.txt',
  '**/*[_.-]log.txt',
  '**/log[_.-]*.txt',
  '**/*.jsonl',
  '**/metrics.csv',
  '**/metrics.json',
  '**/trainer_state.json',
  '**/events.out.tfevents.*',
  '**/mlruns/*/*/metrics/**',
  '**/*.ipynb',
];

/** Never searched: dependencies, environments, caches, version control, and datasets stored as JSON lines. */
export const defaultExclude: string[] = [
  '**/node_modules/**',
  '**/.git/**',
  '**/.hg/**',
  '**/.svn/**',
  '**/__pycache__/**',
  '**/.venv/**',
  '**/venv/**',
  '**/env/**',
  '**/.env/**',
  '**/.tox/**',
  '**/.nox/**',
  '**/.mypy_cache/**',
  '**/.pytest_cache/**',
  '**/.ruff_cache/**',
  '**/.ipynb_checkpoints/**',
  '**/.cache/**',
  '**/.idea/**',
  '**/.vscode/**',
  '**/site-packages/**',
  '**/.e2e/**',
  '**/{data,dataset,datasets,corpus}/**/*.jsonl',
];

export interface TrainingOutputMatcher {
  /** A file (workspace-relative, `/`-separated) that is training output by its name. */
  isLog(rel: string): boolean;
  /** A file or folder never searched (a folder is asked as `dir/` and `dir/x`). */
  isExcluded(rel: string): boolean;
}

export function trainingOutputMatcher(globs: string[] = defaultLogGlobs, exclude: string[] = defaultExclude): TrainingOutputMatcher {
  const isLog = matcher(globs);
  const isExcluded = matcher(exclude);
  return { isLog: (rel) => isLog(rel) && !isExcluded(rel), isExcluded };
}

const defaults = trainingOutputMatcher();

/** Is this path (relative, `/`-separated) training output by its name, with the default settings? */
export function isTrainingOutput(rel: string): boolean {
  return defaults.isLog(rel);
}

// ---- what the first bytes say ----

export type Sniffed =
  | { kind: 'structured'; format: string }
  | { kind: 'text' }
  /** UTF-16 with a byte-order mark (Windows PowerShell 5.1 `>`): text, decoded by the line reader. */
  | { kind: 'utf-16' }
  /** Not training output NaN Doctor can read, with the reason in the user's words. */
  | { kind: 'unreadable'; reason: string };

/** Binary data, not text: NUL bytes, or mostly bytes no text encoding would produce. */
export function looksBinary(head: Uint8Array): boolean {
  if (head.length === 0) return false;
  let control = 0;
  for (const b of head) {
    if (b === 0) return true;
    // Backspace (8) is text: Keras' progress bar writes one per character it redraws, even into a file.
    if (b < 8 || (b > 13 && b < 27) || (b > 27 && b < 32)) control++;
  }
  return control / head.length > 0.1;
}

/** Starts with a UTF-16 byte-order mark. */
export function hasUtf16Bom(head: Uint8Array): boolean {
  return head.length >= 2 && ((head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff));
}

/** UTF-16 text without a byte-order mark: every other byte is NUL in text that is mostly ASCII. */
function looksLikeBomlessUtf16(head: Uint8Array): boolean {
  const n = head.length - (head.length % 2);
  if (n < 8) return false;
  let evenNul = 0;
  let oddNul = 0;
  for (let i = 0; i < n; i += 2) {
    if (head[i] === 0) evenNul++;
    if (head[i + 1] === 0) oddNul++;
  }
  const pairs = n / 2;
  return Math.max(evenNul, oddNul) / pairs > 0.8 && Math.min(evenNul, oddNul) / pairs < 0.05;
}

/** What a file is, from its path and first bytes (64 KiB is plenty). */
export function sniffTrainingOutput(path: string, head: Uint8Array): Sniffed {
  const structured = findStructuredFormat(path, head);
  if (structured) return { kind: 'structured', format: structured.name };
  if (hasUtf16Bom(head)) return { kind: 'utf-16' };
  if (looksLikeBomlessUtf16(head)) return { kind: 'unreadable', reason: 'UTF-16 text without a byte-order mark: convert the log to UTF-8' };
  if (looksBinary(head)) return { kind: 'unreadable', reason: 'binary data, not a text training log' };
  return { kind: 'text' };
}
