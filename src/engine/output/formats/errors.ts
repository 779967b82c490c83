// Lines that say in words that training met a non-finite value: framework errors, and scripts' own reports
// that they skipped, replaced or stopped on one. Each is an incident of kind `error`.
import type { TextFormat } from './types';
import { re } from './regex';

// What a script or framework says it met non-finite, and what it did about it (skip, replace, stop).
const SUBJECT = String.raw`[Ll]oss|LOSS|grad(?:ient)?s?(?:[ _]norm)?|[Nn]orm|[Pp]arameters?|[Ww]eights?|[Ll]atents|[Ll]ogits|[Oo]utputs?|[Mm]etric|\w+_loss`;
const REACTION = String.raw`\b(?:[Ss]kip|[Ss]top|[Ee]nding|[Tt]erminat|[Ee]xit|[Aa]bort|[Ss]etting|[Rr]eplac|[Ii]gnor|[Zz]ero|[Dd]o not update|[Nn]ot updat|[Dd]rop|[Dd]iscard|[Ss]ignal)`;

export const errorFormats: TextFormat[] = [
  {
    name: 'pytorch-anomaly',
    hints: ['returned'],
    event: 'error',
    nonFinite: 'from-message',
    patterns: [re(String.raw`(?<message>Function '(?<metric>\w+)' returned (?<value>nan|inf|-inf) values in its \d+(?:st|nd|rd|th) output)`)],
    samples: [{ line: "RuntimeError: Function 'SqrtBackward0' returned nan values in its 0th output.", nonFinite: 'SqrtBackward0' }],
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
    samples: [
      { line: 'ERROR:tensorflow:Model diverged with loss = NaN.', nonFinite: 'loss' },
      { line: 'tensorflow.python.framework.errors.InvalidArgumentError: Loss is inf or nan : Tensor had NaN values', nonFinite: 'loss' },
    ],
  },
  {
    name: 'keras',
    event: 'error',
    hints: ['Invalid loss'],
    words: ['invalid loss'],
    nonFinite: 'error',
    metric: 'loss',
    // TerminateOnNaN names the batch by its index from 0: the bar shows it as 39/100 (ssd_keras #136)
    stepFromZero: true,
    patterns: [re(String.raw`(?<message>Batch (?<step>\d+): Invalid loss(?: \S+)?, terminating training)`)],
    samples: [{ line: 'Batch 38: Invalid loss, terminating training', nonFinite: 'loss', step: 39 }],
  },
  {
    name: 'fairseq',
    event: 'overflow',
    nonFinite: 'overflow',
    hints: ['inimum loss scale'],
    words: ['minimum loss scale'],
    metric: 'loss scale',
    patterns: [re(String.raw`(?<message>Minimum loss scale reached \((?<scale>{N})\))`)],
    samples: [{ line: 'FloatingPointError: Minimum loss scale reached (0.0001). Your loss is probably exploding.', nonFinite: 'loss scale' }],
  },
  {
    name: 'deepspeed',
    event: 'overflow',
    nonFinite: 'overflow',
    hints: ['already at minimum'],
    words: ['already at minimum'],
    metric: 'loss scale',
    patterns: [re(String.raw`(?<message>Current loss scale already at minimum)`)],
    samples: [{ line: 'Exception: Current loss scale already at minimum - cannot decrease scale anymore. Exiting run.', nonFinite: 'loss scale' }],
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
    samples: [
      { line: 'FloatingPointError: Loss became infinite or NaN at iteration=2137!', nonFinite: 'loss', step: 2137 },
      { line: 'Loss is inf, stopping training', nonFinite: 'Loss' },
    ],
  },
  {
    // fairseq's NanDetector (and hooks written after it) name the first module whose output went non-finite.
    name: 'nan-detector',
    hints: ['detected in'],
    event: 'error',
    nonFinite: 'from-message',
    patterns: [re(String.raw`(?<message>\b(?<value>NaN|Inf|nan|inf) detected in (?:the )?(?:(?:output|input)(?: tuple)? of )?(?<metric>[\w.\[\]/-]+).*)$`)],
    samples: [
      { line: '2023-01-10 10:00:03 | WARNING | fairseq.nan_detector | Inf detected in output of decoder.layers.3.fc1, shape: torch.Size([512, 4096]), forward', nonFinite: 'decoder.layers.3.fc1' },
      { line: 'RuntimeError: NaN detected in latents: /data/user/cache/img_0042.npz', nonFinite: 'latents' },
    ],
  },
  {
    // A script's or framework's own report that it met a non-finite value and skipped, replaced or stopped.
    name: 'nonfinite-report',
    event: 'error',
    nonFinite: 'from-message',
    words: ['not finite', 'non-finite', 'nonfinite', 'infinite'],
    patterns: [
      // The nearest subject to the words names the metric: `The grad norm is nan` is `grad norm`, not `norm`.
      re(String.raw`^(?=.*?\b(?<metric>${SUBJECT})(?:\s*=\s*\S+)?\s+(?:is|are|was|were|in|became|has become)\s+(?:not finite|non-finite|infinite)\b)(?<message>.*)$`),
      re(String.raw`^(?=.*${REACTION})(?=.*?\b(?<metric>${SUBJECT})\s+(?:is|are|was|were|became|has become)\s+(?<value>nan|NaN|NAN|inf|Inf)\b)(?<message>.*)$`),
      re(String.raw`^(?=.*${REACTION})(?=.*?\b(?<value>nan|NaN|NAN|inf|Inf|non-finite|infinite)\s+(?<metric>loss|grad(?:ient)?s?(?:[ _]norm)?|values?)\b(?!\s*[:=]))(?<message>.*)$`),
    ],
    samples: [
      { line: 'Loss in not finite. Skip this training step.', nonFinite: 'Loss' },
      { line: '2021-04-23 19:22:52,420 (trainer:581) WARNING: The grad norm is nan. Skipping updating the model.', nonFinite: 'grad norm' },
      { line: 'WARNING: received a nan loss, setting loss value to 0', nonFinite: 'loss' },
      { line: '2023-06-14 13:04:41,744 - speechbrain.core - WARNING - Parameter is not finite: Parameter containing:', nonFinite: 'Parameter' },
      { line: 'Monitored metric val_rec_loss = nan is not finite. Previous best value was 0.045. Signaling Trainer to stop.', nonFinite: 'val_rec_loss' },
    ],
  },
  {
    // Frameworks that stop on a non-finite value in words: Megatron/NeMo `found NaN in local grad norm`,
    // GPT-NeoX `Skipped 50 iterations in a row due to Overflow`, JAX `invalid value (nan) encountered`.
    name: 'nonfinite-error',
    event: 'error',
    nonFinite: 'from-message',
    hints: ['found ', 'Unexpected result', 'due to Overflow', 'due to overflow', 'encountered', 'loss with'],
    words: ['due to overflow'],
    patterns: [
      re(String.raw`(?<message>.*\bfound (?<value>NaN|nan|Inf|inf) in (?:local )?(?<metric>grad(?:ient)? norm|[\w ]+?)(?= in | for |[,.;:()]|$).*)$`),
      re(String.raw`(?<message>.*\bUnexpected result (?<value>nan|inf|-inf)\b.*)$`),
      re(String.raw`(?<message>.*\b(?:Skipped|skipped) \d+ iterations in a row due to [Oo]verflow.*)$`),
      re(String.raw`(?<message>.*\binvalid value \((?<value>nan|inf)\) encountered.*)$`),
      // Coqui/Mozilla TTS's loss check names the term: `RuntimeError:  [!] NaN loss with decoder_loss.`
      re(String.raw`(?<message>.*\b(?<value>NaN|nan|Inf|inf) loss with (?<metric>\w+).*)$`),
    ],
    samples: [
      { line: 'AssertionError: Rank 3: found NaN in local grad norm in backwards pass. Device: 3, node: host', nonFinite: 'grad norm' },
      { line: 'Exception: Skipped 50 iterations in a row due to Overflow - Exiting training.', nonFinite: null },
      { line: 'RuntimeError:  [!] NaN loss with decoder_loss.', nonFinite: 'decoder_loss' },
    ],
  },
];
