// What a run's log says about how it ran, besides its command line: how many processes or GPUs, the overrides
// a launcher echoes (detectron2's `Command Line Args: Namespace(… opts=['SOLVER.IMS_PER_BATCH', '2'])`), the
// batch sizes trainers report (`Total train batch size (w. parallel, distributed & accumulation) = 8`), and the
// GPU count a launch script takes as an argument (`bash tools/dist_train.sh cfg.py 4` with `--nproc_per_node=$GPUS`).
// These become settings located on the log, so the rules judge a learning rate against the batch actually run.
import type { LocatedValue } from './types';

const SETUP_LINES: { key: string; pattern: RegExp }[] = [
  { key: 'num_gpus', pattern: /\bUsing (\d+) GPUs?\b/ },
  { key: 'num_gpus', pattern: /\bAvailable GPUs: (\d+)\b/ },
  { key: 'num_gpus', pattern: /\bnum_gpus=(\d+)\b/ },
  { key: 'num_processes', pattern: /^\s*Num processes: (\d+)\s*$/ },
  { key: 'world_size', pattern: /\bworld[_ ]size\s*[:=]\s*(\d+)\b/i },
  { key: 'total_batch_size', pattern: /Total train batch size \(w\. parallel, distributed & accumulation\) = (\d+)/ },
  { key: 'batch_size', pattern: /Instantaneous batch size per device = (\d+)/ },
  // accelerate's state, printed by its example scripts: `Mixed precision type: fp16`
  { key: 'mixed_precision', pattern: /^\s*Mixed precision type: (no|fp16|bf16|fp8)\s*$/ },
];

// Settings a log reports but a config or script chooses: a diagnostic goes where they are chosen, when that is known.
const REPORTED_ONLY = new Set(['mixed_precision']);

const OPTS = /\bopts=\[([^\]]*)\]/;
const QUOTED = /'([^']*)'|"([^"]*)"/g;

function value(text: string): unknown {
  return /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text) ? Number(text) : text;
}

function located(log: string, line: number, column: number, keyPath: string, text: string): LocatedValue {
  const range = { start: { line, character: column }, end: { line, character: column + text.length } };
  return { file: log, keyPath, key: keyPath.split('.').pop()!, value: value(text), text, range, source: 'log' };
}

/** Settings a log's first lines report about the run (`head` is the log's text from its start). */
export function runSetupValues(head: string, log: string): LocatedValue[] {
  const out: LocatedValue[] = [];
  const lines = head.split('\n');
  const seen = new Set<string>();
  lines.forEach((raw, n) => {
    const l = raw.replace(/\r$/, '');
    for (const { key, pattern } of SETUP_LINES) {
      const m = pattern.exec(l);
      if (!m || seen.has(key)) continue;
      seen.add(key);
      const at = located(log, n, m.index + m[0].lastIndexOf(m[1]), key, m[1]);
      // what the run reports it ran with, below any file that sets it (the place a fix goes)
      if (REPORTED_ONLY.has(key)) at.source = 'log-report';
      out.push(at);
    }
    const opts = OPTS.exec(l);
    if (opts && !seen.has('opts')) {
      seen.add('opts');
      const words = [...opts[1].matchAll(QUOTED)].map((q) => ({ text: q[1] ?? q[2], at: opts.index + 6 + q.index! + 1 }));
      for (let i = 0; i + 1 < words.length; i += 2) out.push(located(log, n, words[i + 1].at, words[i].text, words[i + 1].text));
    }
  });
  return out;
}

/** Options that say how many processes a launcher starts. */
const PROCESS_OPTIONS = /--(?:nproc_per_node|nproc-per-node|num_gpus|num-gpus|gpus|num_processes|num-processes|ngpus)[= ]"?\$\{?(\w+)\}?/;

/**
 * `bash tools/dist_train.sh configs/x.py 4`: the launch script starts `--nproc_per_node=$GPUS` with `GPUS=$2`,
 * so the command's second argument is the number of processes. `args` are the words after the script.
 */
export function processesFromLaunchScript(scriptText: string, args: string[]): { value: number; argument: number } | undefined {
  const m = PROCESS_OPTIONS.exec(scriptText);
  if (!m) return undefined;
  let name = m[1];
  for (let hops = 0; hops < 4; hops++) {
    if (/^\d$/.test(name)) {
      const arg = args[Number(name) - 1];
      return arg !== undefined && /^\d+$/.test(arg) ? { value: Number(arg), argument: Number(name) - 1 } : undefined;
    }
    // `GPUS=$2`, `NUM_PROC=$1`, `GPUS=${GPUS:-8}` (no argument: the default)
    const assign = new RegExp(String.raw`^\s*(?:export\s+)?${name}=["']?\$\{?(\w+)(?::-(\d+))?\}?`, 'm').exec(scriptText);
    if (!assign) return undefined;
    if (assign[2] !== undefined && !/^\d$/.test(assign[1])) return { value: Number(assign[2]), argument: -1 };
    name = assign[1];
  }
  return undefined;
}
