// Lines that carry metrics in a general shape: HF Trainer's dicts, JSON lines, Python logging, `key: value`.
// The generic extractor (../generic/) reads what none of the table's entries knows.
import type { TextFormat } from './types';
import { re } from './regex';

export const genericLineFormats: TextFormat[] = [
  {
    name: 'hf-trainer',
    hints: ["{'"],
    pairs: 'kv',
    patterns: [re(String.raw`^\s*(?<metrics>\{'\w+': .*\})\s*$`)],
    samples: [{ line: "{'loss': 0.0, 'grad_norm': nan, 'learning_rate': 4.998223113110496e-05, 'epoch': 0.04}", nonFinite: 'grad_norm' }],
  },
  {
    name: 'json-lines',
    hints: ['"'],
    pairs: 'kv',
    patterns: [re(String.raw`^\s*(?<metrics>\{\s*"[^"]+"\s*:.*\})\s*$`)],
    samples: [{ line: '{"step": 120, "loss": NaN, "grad_norm": Infinity, "lr": 0.0003}', nonFinite: 'loss', step: 120 }],
  },
  {
    name: 'python-logging',
    pairs: 'kv',
    identifiesBare: true,
    patterns: [re(String.raw`^(?:.*?[\s\[:|-])?(?:INFO|WARNING|WARN|DEBUG|ERROR|CRITICAL)(?::[\w.<>-]*:|[\]:|]|\s+-|\s)\s*(?<metrics>.*)$`)],
    samples: [
      { line: '[2021-07-14 02:12:37] INFO - Train epoch: 0, batch: 790/34799, loss: nan, learning rate: 0.0001', nonFinite: 'loss', step: 790 },
      { line: 'INFO:tensorflow:loss = nan, step = 31601 (182.200 sec)', nonFinite: 'loss', step: 31601 },
    ],
  },
  {
    name: 'key-value',
    pairs: 'kv',
    patterns: [re(String.raw`^(?<metrics>.*\b[A-Za-z_][\w./-]*['"]?\s*[:=]\s*{V}.*)$`), re(String.raw`^(?<metrics>.*\b\w*[Ll]oss\w*\s+(?:is\s+|was\s+|=\s*)?{V}.*)$`)],
    samples: [
      { line: 'ep=23 tr=[train_clean_100] loss=nan err=0.218 valid=dev_clean loss=nan err=0.911', nonFinite: 'loss', step: 23 },
      { line: "epoch: 3451 loss: nan", nonFinite: 'loss', step: 3451 },
    ],
  },
  {
    // A header of names over rows of bare numbers (`Steps desc_loss det_loss …` / `9753 nan nan …`): each value is
    // its column's. Last in the table: a line of words is a header only when no format knows it.
    name: 'column-table',
    header: /^\s*(?<columns>(?=.*(?:loss|\bsteps?\b|\biter|\bepoch|\blr\b|\bacc))[A-Za-z_][\w./-]*(?:[ \t]+[A-Za-z_][\w./-]*){2,})\s*$/i,
    exactColumns: true,
    patterns: [/^\s*(?<values>(?:[-+]?(?:\d+\.?\d*(?:[eE][-+]?\d+)?|nan|inf)[ \t]+){2,}[-+]?(?:\d+\.?\d*(?:[eE][-+]?\d+)?|nan|inf))\.?\s*$/i],
    samples: [{ context: ['Steps desc_loss det_loss train_accuracy d_pos d_neg time memory'], line: '9753 nan nan 0.00 nan nan 1698.001 16280.8', nonFinite: 'desc_loss', step: 9753 }],
  },
];
