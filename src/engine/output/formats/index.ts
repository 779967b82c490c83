// The text formats NaN Doctor recognizes, most specific first. Adding a format touches only this table.
import type { TextFormat } from './types';
import { VALUE_SOURCE as V } from './values';

export type { TextFormat } from './types';

const NUM = String.raw`[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?`;
const re = (source: string, flags = ''): RegExp => new RegExp(source.replaceAll('{V}', V).replaceAll('{N}', NUM), flags);

// What a script or framework says it met non-finite, and what it did about it (skip, replace, stop).
const SUBJECT = String.raw`[Ll]oss|LOSS|grad(?:ient)?s?(?:[ _]norm)?|[Nn]orm|[Pp]arameters?|[Ww]eights?|[Ll]atents|[Ll]ogits|[Oo]utputs?`;
const REACTION = String.raw`\b(?:[Ss]kip|[Ss]top|[Ee]nding|[Tt]erminat|[Ee]xit|[Aa]bort|[Ss]etting|[Rr]eplac|[Ii]gnor|[Zz]ero|[Dd]o not update|[Nn]ot updat|[Dd]rop|[Dd]iscard)`;

export const textFormats: TextFormat[] = [
  // ---- Framework errors that mean "non-finite" ----
  {
    name: 'pytorch-anomaly',
    hints: ['returned'],
    event: 'error',
    nonFinite: 'from-message',
    patterns: [re(String.raw`(?<message>Function '(?<metric>\w+)' returned (?<value>nan|inf|-inf) values in its \d+(?:st|nd|rd|th) output)`)],
  },
  {
    name: 'tensorflow',
    hints: ['diverged', 'NanLoss', 'Tensor had'],
    event: 'error',
    nonFinite: 'from-message',
    metric: 'loss',
    patterns: [
      re(String.raw`(?<message>Model diverged with loss = (?<value>NaN|nan|inf|Inf))`),
      re(String.raw`(?<message>NanLossDuringTrainingError: (?<value>NaN) loss during training)`),
      re(String.raw`(?<message>(?:InvalidArgumentError|CheckNumerics).*Tensor had (?<value>NaN|Inf) values)`),
    ],
  },
  {
    name: 'keras',
    event: 'error',
    hints: ['Invalid loss'],
    words: ['invalid loss'],
    nonFinite: 'error',
    metric: 'loss',
    patterns: [re(String.raw`(?<message>Batch (?<step>\d+): Invalid loss(?: \S+)?, terminating training)`)],
  },
  {
    name: 'fairseq',
    event: 'overflow',
    nonFinite: 'overflow',
    hints: ['inimum loss scale'],
    words: ['minimum loss scale'],
    metric: 'loss scale',
    patterns: [re(String.raw`(?<message>Minimum loss scale reached \((?<scale>{N})\))`)],
  },
  {
    name: 'deepspeed',
    event: 'overflow',
    nonFinite: 'overflow',
    hints: ['already at minimum'],
    words: ['already at minimum'],
    metric: 'loss scale',
    patterns: [re(String.raw`(?<message>Current loss scale already at minimum)`)],
  },
  {
    name: 'python-error',
    hints: ['FloatingPointError', 'oss is '],
    words: ['floatingpointerror'],
    event: 'error',
    nonFinite: 'from-message',
    patterns: [
      // After any prefix (logging, Ray's `(RayTrainWorker pid=…)`), but not a traceback's `except FloatingPointError:`.
      re(String.raw`(?<![\w.])(?<!\b(?:except|raise)\s+)(?:\w+\.)*(?<message>FloatingPointError: .*)$`),
      re(String.raw`(?<message>\b(?<metric>[Ll]oss) is (?<value>nan|NaN|inf|Inf|-inf)\b.*(?:stopping|terminat|abort|exit).*)`),
    ],
  },
  {
    // fairseq's NanDetector (and hooks written after it) name the first module whose output went non-finite.
    name: 'nan-detector',
    hints: ['detected in'],
    event: 'error',
    nonFinite: 'from-message',
    patterns: [re(String.raw`(?<message>\b(?<value>NaN|Inf|nan|inf) detected in (?:the )?(?:(?:output|input)(?: tuple)? of )?(?<metric>[\w.\[\]/-]+).*)$`)],
  },
  {
    // A script's or framework's own report that it met a non-finite value and skipped, replaced or stopped:
    // `received a nan loss, setting loss value to 0`, `The grad norm is nan. Skipping updating the model.`,
    // `WARNING: non-finite loss, ending training`, `Loss in not finite. Skip this training step.`
    name: 'nonfinite-report',
    event: 'error',
    nonFinite: 'from-message',
    words: ['not finite', 'non-finite', 'nonfinite'],
    patterns: [
      re(String.raw`(?<message>.*\b(?<metric>${SUBJECT})\s+(?:is|are|was|were|in|became|has become)\s+(?:not finite|non-finite|infinite)\b.*)$`),
      re(String.raw`(?=.*${REACTION})(?<message>.*\b(?<metric>${SUBJECT})\s+(?:is|are|was|were|became|has become)\s+(?<value>nan|NaN|NAN|inf|Inf)\b.*)$`),
      re(String.raw`(?=.*${REACTION})(?<message>.*\b(?<value>nan|NaN|NAN|inf|Inf|non-finite|infinite)\s+(?<metric>loss|grad(?:ient)?s?(?:[ _]norm)?|values?)\b(?!\s*[:=]).*)$`),
    ],
  },
  {
    // Frameworks that stop on a non-finite value in words: Megatron/NeMo `found NaN in local grad norm`,
    // GPT-NeoX `Skipped 50 iterations in a row due to Overflow`, JAX `invalid value (nan) encountered`.
    name: 'nonfinite-error',
    event: 'error',
    nonFinite: 'from-message',
    hints: ['found ', 'Unexpected result', 'due to Overflow', 'due to overflow', 'encountered'],
    words: ['due to overflow'],
    patterns: [
      re(String.raw`(?<message>.*\bfound (?<value>NaN|nan|Inf|inf) in (?:local )?(?<metric>grad(?:ient)? norm|[\w ]+?)(?= in | for |[,.;:()]|$).*)$`),
      re(String.raw`(?<message>.*\bUnexpected result (?<value>nan|inf|-inf)\b.*)$`),
      re(String.raw`(?<message>.*\b(?:Skipped|skipped) \d+ iterations in a row due to [Oo]verflow.*)$`),
      re(String.raw`(?<message>.*\binvalid value \((?<value>nan|inf)\) encountered.*)$`),
    ],
  },
  // ---- Loss scalers: a transient overflow is an event ----
  {
    name: 'deepspeed',
    event: 'overflow',
    hints: ['Attempted loss scale'],
    patterns: [re(String.raw`(?:OVERFLOW!|overflow!).*Attempted loss scale: (?<from>{N}), reducing to (?<scale>{N})`)],
  },
  {
    name: 'apex',
    hints: ['Gradient overflow'],
    words: ['gradient overflow'],
    event: 'overflow',
    minimumScale: 1,
    patterns: [re(String.raw`Gradient overflow\.\s+Skipping step,.*?reducing loss scale to (?<scale>{N})`)],
  },
  {
    name: 'fairseq',
    event: 'overflow',
    hints: ['overflow detected'],
    patterns: [re(String.raw`overflow detected,(?: ignoring gradient,)? setting loss scale to:? (?<scale>{N})`)],
  },
  {
    name: 'loss-scaler',
    hints: ['loss scale'],
    event: 'loss-scale',
    patterns: [re(String.raw`(?:[Ii]ncreas|[Rr]educ|[Ss]ett)ing (?:dynamic )?loss scale (?:from {N} )?to:? (?<scale>{N})`)],
  },
  // ---- Progress and metric lines ----
  {
    name: 'megatron',
    hints: ['iteration'],
    pairs: 'pipe',
    patterns: [re(String.raw`\biteration\s+(?<step>\d+)\s*/\s*\d+\s*(?<metrics>\|.*)$`)],
  },
  {
    name: 'mmengine',
    hints: ['Epoch(', 'Iter('],
    pairs: 'kv',
    patterns: [
      re(String.raw`\bEpoch\((?<phase>train|val|test)\)\s*\[(?<epoch>\d+)\]\s*\[\s*(?<step>\d+)\s*/\s*\d+\]\s*(?<metrics>.*)$`),
      re(String.raw`\bIter\((?<phase>train|val|test)\)\s*\[\s*(?<step>\d+)\s*/\s*\d+\]\s*(?<metrics>.*)$`),
      re(String.raw`\bEpoch\((?<phase>val|test)\)\s*\[(?<epoch>\d+)\]\s*(?<metrics>.*)$`),
    ],
  },
  {
    name: 'mmcv',
    hints: ['Epoch [', 'Iter [', 'Epoch(val)'],
    pairs: 'kv',
    patterns: [
      re(String.raw`\bEpoch \[(?<epoch>\d+)\]\[(?<step>\d+)/\d+\]\s*(?<metrics>.*)$`),
      re(String.raw`\bIter \[(?<step>\d+)/\d+\]\s*(?<metrics>.*)$`),
      re(String.raw`\bEpoch\((?<phase>val)\) \[(?<epoch>\d+)\](?:\[\d+\])?\s*(?<metrics>.*)$`),
    ],
  },
  {
    name: 'fairseq',
    pairs: 'kv',
    hints: ['| train_inner |'],
    patterns: [re(String.raw`\| train_inner \| epoch (?<epoch>\d+):\s+(?<step>\d+) / (?<total>\d+) (?<metrics>.*)$`)],
  },
  {
    name: 'fairseq',
    pairs: 'space',
    hints: ['| valid |', '| train |'],
    patterns: [
      re(String.raw`\| (?<phase>valid) \| epoch (?<epoch>\d+) \| valid on '\w+' subset (?<metrics>\|.*)$`),
      re(String.raw`\| (?<phase>train) \| epoch (?<epoch>\d+) (?<metrics>\|.*)$`),
    ],
  },
  {
    // PyTorch examples' word_language_model: `| epoch   1 |   400/ 2983 batches | lr 20.00 | … | loss  5.83 | ppl …`.
    name: 'word-language-model',
    hints: ['batches |', 'end of epoch'],
    pairs: 'kv',
    patterns: [
      re(String.raw`^\|\s*epoch\s+(?<epoch>\d+)\s*\|\s*(?<step>\d+)\s*/\s*\d+ batches\s*(?<metrics>\|.*)$`),
      re(String.raw`^\|\s*end of epoch\s+(?<epoch>\d+)\s*\|.*?\|\s*(?<phase>valid) (?<metrics>loss\s.*)$`),
    ],
  },
  {
    name: 'yolo',
    stepIsEpoch: true,
    headerOptional: true,
    header: /^\s*(?<columns>Epoch\s+(?:GPU_mem|gpu_mem)\s+.*?)\s*$/,
    patterns: [re(String.raw`^\s*(?<values>(?<epoch>\d+)/\d+\s+[\d.]+[KMG]\s+.*?)(?::\s+\d+%(?:\|[^|]*\|\s*(?<step>\d+)/(?<total>\d+))?.*)?$`)],
  },
  {
    name: 'yolo',
    event: 'validation',
    patterns: [/^\s*(?:Class\s+Images\s+(?:Instances|Labels)\b|all\s+\d+\s+\d+\s+[\d.]+\s)/],
  },
  {
    name: 'lightning',
    hints: ['%|'],
    pairs: 'kv',
    progressBar: true,
    patterns: [
      re(String.raw`^(?<desc>.*?)\s*\d{1,3}%\|[^|]*\|\s*(?<step>\d+)/(?<total>\d+|\?)\s*\[[^\]]*?,\s*[^,\]]*(?:it/s|s/it)\]?(?<metrics>[^\]]*\bv_num=[^\]]*)\]`),
      re(String.raw`^(?<desc>(?:Epoch \d+|Validation|Sanity Checking|Testing|Predicting)[^:]*):\s+\d{1,3}%\|[^|]*\|\s*(?<step>\d+)/(?<total>\d+|\?)\s*\[[^\]]*?(?:,\s*(?<metrics>[^\]]*))?\]`),
    ],
  },
  {
    name: 'tqdm',
    hints: ['%|', 'it [', '% '],
    pairs: 'kv',
    progressBar: true,
    patterns: [
      re(String.raw`^(?<desc>.*?)\s*\d{1,3}%\|[^|]*\|\s*(?<step>\d+)/(?<total>\d+(?:\.\d+)?[kMG]?|\?)\s*\[(?<metrics>[^\]]*)\]`),
      re(String.raw`^(?<desc>.*?)\s*(?<step>\d+)it \[(?<metrics>[^\]]*)\]`),
      // No bar drawn (`loss=nan (nan): :   0% 0/100 [00:00<?, ?it/s]`): the counter still counts.
      re(String.raw`^(?<desc>[^|]*?)\s*\d{1,3}%\s+(?<step>\d+)/(?<total>\d+)\s*\[(?<metrics>[^\]]*)\]`),
      // A bar cut off by a line printed into it (`| 200/7413 [32:53<19:20:33,  9.65s/it10/22/2025 … INFO …`): its counter still counts.
      re(String.raw`^(?<desc>[^|]*?)\s*\d{1,3}%\|[^|]*\|\s*(?<step>\d+)/(?<total>\d+)\s*\[\d[^\]]*$`),
    ],
  },
  {
    name: 'keras',
    pairs: 'kv',
    hints: ['/'],
    patterns: [
      re(String.raw`^\s*(?<step>\d+)/(?<total>\d+) (?:\[[=>.]*\]|[━─]+)\s*(?:- )?(?:ETA: \S+|\d+m?s\s*\S*)(?<metrics>(?:\s+-\s+\w+: \S+)*)`),
      re(String.raw`^\s*(?<step>\d+)/(?<total>\d+) - \d+m?s\s*(?:\S+/step)?(?<metrics>(?:\s+-\s+\w+: \S+)+)`),
    ],
  },
  { name: 'keras', event: 'context', patterns: [/^\s*Epoch (?<epoch>\d+)\/\d+\s*$/] },
  {
    name: 'hf-trainer',
    hints: ["{'"],
    pairs: 'kv',
    patterns: [re(String.raw`^\s*(?<metrics>\{'\w+': .*\})\s*$`)],
  },
  {
    name: 'json-lines',
    hints: ['"'],
    pairs: 'kv',
    patterns: [re(String.raw`^\s*(?<metrics>\{\s*"[^"]+"\s*:.*\})\s*$`)],
  },
  {
    // The run summary wandb prints at the end: one `wandb: key value` per line.
    name: 'wandb',
    hints: ['wandb:'],
    patterns: [re(String.raw`^wandb:\s+(?<key>[\w./-]+)\s+(?<value>{V})\s*$`)],
  },
  {
    // darknet's per-layer averages: with `count: 0` the layer saw no object and its averages are 0/0, not a divergence.
    name: 'darknet',
    hints: ['Region '],
    pairs: 'kv',
    emptyWhen: /\bcount: 0\b/,
    patterns: [re(String.raw`^(?:v3 \(.*?\) )?Region \d+ (?<metrics>Avg.*)$`)],
  },
  {
    name: 'python-logging',
    pairs: 'kv',
    identifiesBare: true,
    patterns: [re(String.raw`^(?:.*?[\s\[:|-])?(?:INFO|WARNING|WARN|DEBUG|ERROR|CRITICAL)(?::[\w.<>-]*:|[\]:|]|\s+-|\s)\s*(?<metrics>.*)$`)],
  },
  {
    name: 'key-value',
    pairs: 'kv',
    patterns: [re(String.raw`^(?<metrics>.*\b[A-Za-z_][\w./-]*['"]?\s*[:=]\s*{V}.*)$`), re(String.raw`^(?<metrics>.*\b\w*[Ll]oss\w*\s+(?:is\s+|was\s+|=\s*)?{V}.*)$`)],
  },
];

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
const OPTION = String.raw`\s+--?[A-Za-z][\w.-]*(?:=\S*|\s+(?!-)(?![^\s]*\.py\b)\S+)?`;
export const commandLine = new RegExp(
  String.raw`^(?:.*?(?:\$|#|\+|>|[Cc]ommand(?: line)?:|[Rr]unning:?)\s+)?(?:[A-Z_][A-Z0-9_]*=\S*\s+)*(?<command>${LAUNCHER}(?:${OPTION})*\s+\S*\.py\b.*?)\s*$`,
);

/** The end of a complete tqdm bar (`…| 3/10 [00:01<00:02, 1.5it/s, loss=0.3]`, `5it [00:01, 4.2it/s]`): text after it is a line of its own. */
export const progressBarEnd = /\d{1,3}%\|[^|]*\|\s*\d+(?:\.\d+)?[kMG]?\/(?:\d+(?:\.\d+)?[kMG]?|\?)\s*\[[^\]]*\]|\b\d+it \[[^\]]*\]/;
