// Progress bars: tqdm (accelerate, diffusers, HF), Lightning's, Keras'. Their counter is the step; nested bars
// (validation, pipelines) do not move it (../analyzer.ts).
import type { TextFormat } from './types';
import { re } from './regex';

export const progressBarFormats: TextFormat[] = [
  {
    name: 'lightning',
    hints: ['%|'],
    pairs: 'kv',
    progressBar: true,
    patterns: [
      re(String.raw`^(?<desc>.*?)\s*\d{1,3}%\|[^|]*\|\s*(?<step>\d+)/(?<total>\d+|\?)\s*\[[^\]]*?,\s*[^,\]]*(?:it/s|s/it)\]?(?<metrics>[^\]]*\bv_num=[^\]]*)\]`),
      re(String.raw`^(?<desc>(?:Epoch \d+|Validation|Sanity Checking|Testing|Predicting)[^:]*):\s+\d{1,3}%\|[^|]*\|\s*(?<step>\d+)/(?<total>\d+|\?)\s*\[[^\]]*?(?:,\s*(?<metrics>[^\]]*))?\]`),
    ],
    samples: [{ line: 'Epoch 1:  40%|████      | 4/10 [00:00<00:00, 88.10it/s, v_num=0, train_loss=nan, val_loss=0.790]', nonFinite: 'train_loss', step: 4 }],
  },
  {
    name: 'tqdm',
    hints: ['%|', 'it [', '% ', 'it/s', 's/it'],
    pairs: 'kv',
    progressBar: true,
    patterns: [
      re(String.raw`^(?<desc>.*?)\s*\d{1,3}%\|[^|]*\|\s*(?<step>\d+)/(?<total>\d+(?:\.\d+)?[kMG]?|\?)\s*\[(?<metrics>[^\]]*)\]`),
      re(String.raw`^(?<desc>.*?)\s*(?<step>\d+)it \[(?<metrics>[^\]]*)\]`),
      // No bar drawn (`loss=nan (nan): :   0% 0/100 [00:00<?, ?it/s]`): the counter still counts.
      re(String.raw`^(?<desc>[^|]*?)\s*\d{1,3}%\s+(?<step>\d+)/(?<total>\d+)\s*\[(?<metrics>[^\]]*)\]`),
      // A bar cut off by a line printed into it (`| 200/7413 [32:53<19:20:33,  9.65s/it10/22/2025 … INFO …`): its counter still counts.
      re(String.raw`^(?<desc>[^|]*?)\s*\d{1,3}%\|[^|]*\|\s*(?<step>\d+)/(?<total>\d+)\s*\[\d[^\]]*$`),
      // A bar wrapped after its glyphs (a terminal's width, a paste): the next line starts at the counter
      // (`| 5880/8295 [04:01<01:39, 24.37it/s, v_num=0, train_loss_step=nan.0`), its description on the line above.
      re(String.raw`^\|\s*(?<step>\d+)/(?<total>\d+|\?)\s*\[(?<metrics>\d[^\]]*(?:it/s|s/it)[^\]]*)\]?\s*$`),
    ],
    samples: [
      { line: 'Steps:   0%|          | 2/30000 [00:09<40:34:55,  4.87s/it, lr=1e-5, step_loss=nan]', nonFinite: 'step_loss', step: 2 },
      { line: 'epoch 002:  18%|▏| 1386/7494 [06:49<29:04,  3.50it/s, loss=nan, nll_loss=nan, ppl=nan, wps=216.1, num_updates=8880]', nonFinite: 'loss', step: 1386 },
      { line: 'loss=nan (nan): :   0% 0/100 [00:00<?, ?it/s]', nonFinite: 'loss', step: 0 },
      { line: '| 5880/8295 [04:01<01:39, 24.37it/s, v_num=0, learning_rate_step=0.0005, train_loss_step=nan.0', nonFinite: 'train_loss_step', step: 5880 },
      // OpenPCDet: the losses on the bar over the epochs, the step on the bar under it
      { context: ['train:   1%|          | 20/3712 [00:12<38:00,  1.60it/s, total_it=20]'], line: 'epochs:   0%|          | 0/80 [00:13<?, ?it/s, loss=nan, lr=0.003, d_time=0.01(0.01)]', nonFinite: 'loss', step: 20 },
    ],
  },
  {
    name: 'keras',
    pairs: 'kv',
    hints: ['/'],
    runningMean: true,
    patterns: [
      re(String.raw`^\s*(?<step>\d+)/(?<total>\d+) (?:\[[=>.]*\]|[━─]+)\s*(?:- )?(?:ETA: \S+|\d+m?s\s*\S*)(?<metrics>(?:\s+-\s+\w+: \S+)*)`),
      re(String.raw`^\s*(?<step>\d+)/(?<total>\d+) - \d+m?s\s*(?:\S+/step)?(?<metrics>(?:\s+-\s+\w+: \S+)+)`),
    ],
    samples: [
      { line: '   4/83 [>.............................] - ETA: 2:10:47 - loss: nan - rpn_class_loss: nan - rpn_bbox_loss: nan', nonFinite: 'loss', step: 4 },
      { context: ['Epoch 1/12'], line: '60000/60000 [==============================] - 5584s - loss: nan - acc: 0.0988 - val_loss: nan - val_acc: 0.0980', nonFinite: 'loss', step: 1 },
    ],
  },
  { name: 'keras', event: 'context', patterns: [/^\s*Epoch (?<epoch>\d+)\/\d+\s*$/], samples: [{ line: 'Epoch 3/12' }] },
  // keras-rl draws one bar per interval of environment steps: the interval counts as Keras' epoch does
  {
    name: 'keras',
    event: 'context',
    patterns: [/^\s*Interval (?<epoch>\d+) \(\d+ steps performed\)\s*$/],
    samples: [{ context: ['Interval 5 (40000 steps performed)'], line: '10000/10000 [==============================] - 52s - reward: nan', nonFinite: 'reward', step: 5 }],
  },
];
