// Counter inference: which number on a line is the training step and which the epoch, whatever the format.
// The step is the innermost counter that advances: a labeled iteration/step/batch (`Iteration 61991`,
// `batch: 120/5000`, `[Epoch 0/30, Batch 323/1313]`), else an unlabeled `[i/N]` inside an epoch
// (`Epoch [1][100/62598]`, `Epoch:[1/3](300/9000)`), else a global counter (`global_step: 360`,
// `num_updates=8880`). Never a sample count (`390144/1281167` records, `after 160768 examples`).

export interface Counters {
  step: number | null;
  epoch: number | null;
  /** The step's own total (`i/N`), when the line shows one. */
  total?: number;
  /** The epoch shows a fraction (`epoch 0.53`): no counter of its own. */
  fractionalEpoch?: boolean;
  /** The step comes with its name (`iteration 5426`, `global_step: 360`), not from brackets alone. */
  labeled?: boolean;
}

// A counter, not a rounded one (`Step: 0k`) nor a decimal.
const NUM = String.raw`(\d+)(?:\s*/\s*(\d+))?(?![\w.])`;
// Labeled counters that count optimizer steps or batches within the run, innermost first.
// (`[step]   104`: a bracketed label, as custom loggers print them)
// (Marian abbreviates: `Ep. 1 : Up. 300 : Sen. 137,255 : Cost 211.39`)
const INNER = new RegExp(String.raw`(?<![\w/])(?:(?:iter(?:ation)?s?|it|step|batch|episode|mini-?batch|update)\b|up\.)['"]?\]?\s*(?:[:=#]\s*|\s)\s*[\[(]?\s*${NUM}`, 'i');
// Counters of the whole run: a global step, fairseq's num_updates, paddle's `Total iter`, TF's `Saving checkpoints for 31622`.
const GLOBAL = new RegExp(
  String.raw`(?<!\w)(?:global[_ ]?step|num_updates|total[_ ]iter(?:ation)?s?|updates|_step|trainer/global_step|checkpoints? for)\b['"]?\s*(?:[:=#]\s*|\s)\s*[\[(]?\s*${NUM}`,
  'i',
);
// `[100/62598]`, `(300/9000)`, `[ 20/800]`: an unlabeled counter in brackets.
const BRACKETED = /[[(]\s*(\d+)\s*\/\s*(\d+)\s*[\])]/g;
// `Training [>>      ] 20004/600000,`: the counter right after a drawn bar.
const AFTER_BAR = /\[[=>#.\s-]*\]\s*(\d+)\s*\/\s*(\d+)(?![\d/])/;
// `Train: 017400/200000,`: a training phase's own progress, as a fraction of its total.
const TRAIN_FRACTION = /(?<![\w/])train(?:ing)?\s*[:=]\s*(\d+)\s*\/\s*(\d+)(?![\d/.])/i;
// `epoch 0[4500]`: the iteration in brackets right after the epoch's number.
const EPOCH_THEN_ITERATION = /(?<![\w/])epoch\s*[:=]?\s*\d+\s*\[(\d+)\]/i;
// (not a duration: `time for one epoch: 42.8 seconds`)
// (nor a count per epoch: accelerate's `Num batches each epoch = 1250`)
const EPOCH = new RegExp(String.raw`(?<![\w/])(?<!\b(?:each|per|every)\s)(?:epoch\b|ep\b\.?)(?:\(\w+\))?['"]?\s*(?:[:=#,]\s*|\s)?\s*[\[(]?\s*(\d+(?:\.\d+)?)(?:\s*/\s*(\d+))?(?![\d.]|\s*(?:s|secs?|seconds?|ms|mins?|minutes?|h|hours?)\b)`, 'i');
// A count of samples, records, examples or tokens is no step.
const SAMPLES_AFTER = /^\s*[\])]?\s*(?:samples|records|examples|images|imgs|tokens|sequences|sents|sentences)\b/i;

const int = (s: string | undefined): number | null => (s === undefined ? null : Number(s));

// `000 epoch, 06000 iter`: counters written before their names.
const NUMBER_FIRST = /(?<![\w.])(\d+)\s+epochs?\s*[,|;]\s*(\d+)\s+(?:iters?|iterations?|steps?|batch(?:es)?)\b/i;

/** The counters a line shows (null where it shows none). */
export function readCounters(text: string): Counters {
  const first = NUMBER_FIRST.exec(text);
  if (first) return { step: Number(first[2]), epoch: Number(first[1]), fractionalEpoch: false, labeled: true };
  const epochMatch = EPOCH.exec(text);
  const epoch = epochMatch ? Number(epochMatch[1]) : null;
  const fractionalEpoch = epochMatch ? epochMatch[1].includes('.') : false;
  // Text taken by the epoch (`Epoch 0/30`) is not also a step.
  const rest = epochMatch ? text.slice(0, epochMatch.index) + ' '.repeat(epochMatch[0].length) + text.slice(epochMatch.index + epochMatch[0].length) : text;
  for (const pattern of [INNER]) {
    const m = pattern.exec(rest);
    if (m) return { step: Number(m[1]), epoch, fractionalEpoch, total: int(m[2]) ?? undefined, labeled: true };
  }
  for (const m of rest.matchAll(BRACKETED)) {
    if (SAMPLES_AFTER.test(rest.slice(m.index! + m[0].length))) continue;
    return { step: Number(m[1]), epoch, fractionalEpoch, total: Number(m[2]) };
  }
  const bar = AFTER_BAR.exec(rest);
  if (bar && !SAMPLES_AFTER.test(rest.slice(bar.index + bar[0].length))) return { step: Number(bar[1]), epoch, fractionalEpoch, total: Number(bar[2]) };
  const train = TRAIN_FRACTION.exec(rest);
  if (train) return { step: Number(train[1]), epoch, fractionalEpoch, total: Number(train[2]), labeled: true };
  const iteration = EPOCH_THEN_ITERATION.exec(text);
  if (iteration) return { step: Number(iteration[1]), epoch, fractionalEpoch, labeled: true };
  const g = GLOBAL.exec(rest);
  if (g) return { step: Number(g[1]), epoch, fractionalEpoch, total: int(g[2]) ?? undefined, labeled: true };
  return { step: null, epoch, fractionalEpoch };
}
