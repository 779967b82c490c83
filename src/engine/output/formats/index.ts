// The text formats NaN Doctor recognizes, most specific first. A format is data (lnav-style) in the file of
// its family, with the sample lines it must read; adding one touches only that file.
import type { TextFormat } from './types';
import { errorFormats } from './errors';
import { genericLineFormats } from './generic-lines';
import { lossScalerFormats } from './loss-scalers';
import { progressBarFormats } from './progress-bars';
import { trainingLineFormats } from './training-lines';

export type { TextFormat } from './types';

export const textFormats: TextFormat[] = [...errorFormats, ...lossScalerFormats, ...trainingLineFormats, ...progressBarFormats, ...genericLineFormats];

/** Lines that are events by their words alone (validation, checkpoints, resume), whatever the format. */
export const notableLines: { event: 'validation' | 'evaluation' | 'checkpoint' | 'resume'; pattern: RegExp }[] = [
  { event: 'resume', pattern: /\b(?:[Rr]esum(?:ing|e|ed) (?:from|training)|[Rr]estor(?:ing|ed) (?:from )?checkpoint|Loading checkpoint shards)|Continuing training from checkpoint/ },
  { event: 'checkpoint', pattern: /\b(?:[Ss]av(?:ing|ed) (?:model )?(?:checkpoint|state|model)|[Cc]heckpoint saved|saving model to|Saving weights|[Ss]aved checkpoint)/ },
  { event: 'evaluation', pattern: /\*\*\*\*\* Running Evaluation \*\*\*\*\*|\b[Rr]unning evaluation\b|^\s*\{'eval_|\bEvaluating\b|"eval_/ },
  { event: 'validation', pattern: /\b(?:[Rr]unning validation|Validation DataLoader|Validating|[Vv]alidation:|Epoch\((?:val)\)|valid on '|\bval(?:idation)? (?:loss|step|epoch)\b)/ },
];

/** Lines that say training is over: bars after them are evaluation's (HF's final metrics, Lightning's stop). */
export const trainingEndLines: RegExp[] = [/\*{5} train metrics \*{5}/, /`Trainer\.fit` stopped/];

/** Rank prefixes added by launchers: torchrun `[rank3]:`, `[default3]:`, mpirun `[1,0]<stdout>:`, `[R0]`. */
export const rankPrefixes: RegExp[] = [
  /^\[rank(?<rank>\d+)\]:\s?/,
  /^\[default(?<rank>\d+)\]:\s?/,
  /^\[\d+,(?<rank>\d+)\]<std(?:out|err)>:\s?/,
  /^\[R(?<rank>\d+)\]\s?/,
];

/** A command line that started the run, printed in the log (discovery reads the config from it). */
// Launcher options come before the script (`torchrun --nproc_per_node=8 train.py`, `deepspeed --num_gpus 8 train.py`).
// Python's own options go the same way (`python -u -m torch.distributed.run --nproc_per_node 2 train.py`).
const LAUNCHER = String.raw`(?:accelerate launch|torchrun|deepspeed|horovodrun|python3?(?:\.\d+)?)`;
// `python -m pkg.train`, `accelerate launch -m … scripts.train_stage1`: a module instead of a script file.
const MODULE = String.raw`[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+`;
const OPTION = String.raw`\s+--?[A-Za-z][\w.-]*(?:=\S*|\s+(?!-)(?![^\s]*\.py\b)\S+)?`;
const SCRIPT = String.raw`(?:\S*\.py\b|(?<=\s-m\s(?:.*\s)?)(?!\S*\.(?:ya?ml|json|toml|cfg|ini)\b)${MODULE}(?=\s|$))`;
// A launch script: `bash tools/dist_train.sh configs/x.py 4`, `./train_mnv3.sh`, `sh scripts/finetune.sh`.
const SHELL_LAUNCH = String.raw`(?:(?:bash|sh|zsh)\s+)?(?:\.{1,2}\/)?[\w./-]*\.sh(?=\s|$)`;
export const commandLine = new RegExp(
  String.raw`^(?:.*?(?:\$|#|\+|>|[Cc]ommand(?: line)?:|[Rr]unning:?)\s+)?(?:[A-Z_][A-Z0-9_]*=\S*\s+)*(?<command>${LAUNCHER}(?:${OPTION})*\s+${SCRIPT}.*?|${SHELL_LAUNCH}.*?)\s*$`,
);

/** The end of a complete tqdm bar (`…| 3/10 [00:01<00:02, 1.5it/s, loss=0.3]`, `5it [00:01, 4.2it/s]`): text after it is a line of its own. */
export const progressBarEnd = /\d{1,3}%\|[^|]*\|\s*\d+(?:\.\d+)?[kMG]?\/(?:\d+(?:\.\d+)?[kMG]?|\?)\s*\[[^\]]*\]|\b\d+it \[[^\]]*\]/;
