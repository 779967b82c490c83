// One line per logged step or epoch, in the frameworks' own layouts: Megatron, mmengine/mmcv, fairseq,
// PyTorch's word_language_model, YOLO tables, darknet, wandb's run summary.
import type { TextFormat } from './types';
import { re } from './regex';

export const trainingLineFormats: TextFormat[] = [
  {
    name: 'megatron',
    hints: ['iteration'],
    pairs: 'pipe',
    patterns: [re(String.raw`\biteration\s+(?<step>\d+)\s*/\s*\d+\s*(?<metrics>\|.*)$`)],
    samples: [
      {
        line: ' iteration     5426/  250000 | consumed samples:        43408 | elapsed time per iteration (ms): 4247.9 | learning rate: 2.999E-04 | global batch size:     8 | loss scale: 1.0 | grad norm: nan | number of skipped iterations:   0 | number of nan iterations:   0 |',
        nonFinite: 'grad norm',
        step: 5426,
      },
      { line: ' iteration       10/ 1000000 | consumed samples:           40 | learning rate: 0.000E+00 | global batch size:     4 | lm loss: 7.5E+00 | loss scale: 8388608.0 | number of skipped iterations:  10 | number of nan iterations:   0 |', step: 10 },
    ],
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
    samples: [
      { line: '2024/05/07 11:45:16 - mmengine - INFO - Iter(train) [ 510/2046]  lr: 1.7590e-04  eta: 1:25:37  time: 22.5450  data_time: 19.6772  memory: 15266  loss: 0.0000  grad_norm: nan', nonFinite: 'grad_norm', step: 510 },
      { line: '2024/05/10 15:46:31 - mmengine - INFO - Epoch(train)  [2][ 50/788]  lr: 2.0000e-03  eta: 4:14:00  time: 0.8167  data_time: 0.0169  memory: 15943  grad_norm: nan  loss: nan  loss_cls: nan', nonFinite: 'grad_norm', step: 50 },
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
    samples: [{ line: '2021-12-25 12:58:58,419 - mmdet - INFO - Epoch [2][250/556]\tlr: 5.000e-03, eta: 0:24:33, time: 0.246, data_time: 0.003, memory: 3698, loss_rpn_cls: nan, loss_rpn_bbox: nan, loss: nan, grad_norm: nan', nonFinite: 'loss_rpn_cls', step: 250 }],
  },
  {
    name: 'fairseq',
    pairs: 'kv',
    hints: ['| train_inner |'],
    patterns: [re(String.raw`\| train_inner \| epoch (?<epoch>\d+):\s+(?<step>\d+) / (?<total>\d+) (?<metrics>.*)$`)],
    samples: [{ line: '2020-03-23 11:39:44 | INFO | train_inner | epoch 003:      5 / 356 loss=nan, nll_loss=nan, ppl=nan, wps=30690.8, ups=0.07, wpb=427295, bsz=14390.4, num_updates=700, lr=0.000175, gnorm=nan', nonFinite: 'loss', step: 5 }],
  },
  {
    name: 'fairseq',
    pairs: 'space',
    hints: ['| valid |', '| train |'],
    patterns: [
      re(String.raw`\| (?<phase>valid) \| epoch (?<epoch>\d+) \| valid on '\w+' subset (?<metrics>\|.*)$`),
      re(String.raw`\| (?<phase>train) \| epoch (?<epoch>\d+) (?<metrics>\|.*)$`),
    ],
    samples: [{ line: "2020-03-23 11:38:31 | INFO | valid | epoch 002 | valid on 'valid' subset | loss nan | nll_loss nan | ppl nan | wps 84912.1 | num_updates 695", nonFinite: 'loss' }],
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
    samples: [{ line: '| epoch   2 |   200/ 2983 batches | lr 20.00 | ms/batch 45.12 | loss   nan | ppl      nan', nonFinite: 'loss', step: 200 }],
  },
  {
    name: 'yolo',
    stepIsEpoch: true,
    headerOptional: true,
    header: /^\s*(?<columns>Epoch\s+(?:GPU_mem|gpu_mem)\s+.*?)\s*$/,
    patterns: [re(String.raw`^\s*(?<values>(?<epoch>\d+)/\d+\s+[\d.]+[KMG]\s+.*?)(?::\s+\d+%(?:\|[^|]*\|\s*(?<step>\d+)/(?<total>\d+))?.*)?$`)],
    samples: [
      {
        context: ['      Epoch    GPU_mem   box_loss   cls_loss   dfl_loss  Instances       Size'],
        line: '     91/300        17G        nan        nan        nan          2        640: 100%|██████████| 278/278 [02:11<00:00,  2.11it/s]',
        nonFinite: 'box_loss',
        step: 91,
      },
      { line: '      0/99     15.6G       nan     4.183       nan       nan        39      1472:  14%|▎ | 150/1069 [05:26<09:38,  1.59it/s]', nonFinite: null, step: 150 },
    ],
  },
  {
    name: 'yolo',
    event: 'validation',
    patterns: [/^\s*(?:Class\s+Images\s+(?:Instances|Labels)\b|all\s+\d+\s+\d+\s+[\d.]+\s)/],
    samples: [{ line: '                   all       3141       1758      0.831      0.773      0.832      0.382' }],
  },
  {
    // darknet's iteration line: the batch's loss, then its running average (`182: -nan, -nan avg loss, 0.000000 rate, …`)
    name: 'darknet',
    hints: [' avg'],
    metric: 'loss',
    patterns: [re(String.raw`^\s*(?<step>\d+):\s+(?<value>{V}),\s+{V} avg(?: loss)?,`)],
    samples: [{ line: ' 182: -nan, -nan avg loss, 0.000000 rate, 2.011170 seconds, 11648 images, 17.923213 hours left', nonFinite: 'loss', step: 182 }],
  },
  {
    // darknet's per-layer averages: with `count: 0` the layer saw no object and its averages are 0/0, not a divergence.
    name: 'darknet',
    hints: ['Region '],
    pairs: 'kv',
    emptyWhen: /\bcount: 0\b/,
    patterns: [re(String.raw`^(?:v3 \(.*?\) )?Region \d+ (?<metrics>Avg.*)$`)],
    samples: [
      { line: 'Region 82 Avg IOU: nan, Class: nan, Obj: nan, No Obj: nan, .5R: 0.000000, .75R: 0.000000,  count: 2', nonFinite: 'Avg IOU' },
      { line: 'v3 (mse loss, Normalizer: (iou: 0.500000, cls: 1.000000) Region 106 Avg (IOU: -nan, CIOU: -nan), Class: -nan, Obj: -nan, No Obj: 0.442706, .5R: -nan, .75R: -nan, count: 0' },
    ],
  },
  {
    // The run summary wandb prints at the end: one `wandb: key value` per line.
    name: 'wandb',
    hints: ['wandb:'],
    patterns: [re(String.raw`^wandb:\s+(?<key>[\w./-]+)\s+(?<value>{V})\s*$`)],
    samples: [{ context: ['wandb: Run summary:', 'wandb: batch_id 127'], line: 'wandb:     loss nan', nonFinite: 'loss', step: 127 }],
  },
  {
    // Gradient boosting's evaluation lines: the round in brackets, then tab-separated `name: value` fields
    // (XGBoost `[12]\ttrain-rmse:0.42\teval-rmse:0.47`, LightGBM `[1]\tvalid_0's l1: 0.59`).
    name: 'boosting',
    hints: [']'],
    pairs: 'fields',
    patterns: [/^\[(?<step>\d+)\](?<metrics>(?:\t|\s{2,}|\s(?=\S+:))\S.*)$/],
    samples: [
      { line: '[0]\ttrain-gamma-nloglik:nan', nonFinite: 'train-gamma-nloglik', step: 0 },
      { line: "[1]     valid_0's l1: inf", nonFinite: "valid_0's l1", step: 1 },
      { line: '[12]\ttrain-rmse:0.42\teval-rmse:0.47', step: 12 },
    ],
  },
  {
    // stable-baselines' (and SB3's) table, one `| key | value |` row per metric between dashed borders; its counter is
    // a row of its own, above the metrics (SB3's `iterations`) or below them (stable-baselines' `n_updates`).
    name: 'stable-baselines',
    hints: ['|'],
    stepKeys: /^(?:iterations|n_updates|episodes)$/,
    tableBorder: /^\s*-{10,}\s*$/,
    patterns: [re(String.raw`^\|\s*(?<key>[A-Za-z_][\w./]*)\s*\|\s*(?<value>{V})\s*\|\s*$`)],
    samples: [
      { context: ['| time/                   |             |', '|    iterations           | 12          |'], line: '|    approx_kl            | nan         |', nonFinite: 'approx_kl', step: 12 },
      { line: '| approxkl           | nan      |', nonFinite: 'approxkl', step: null },
    ],
  },
];
