// Dynamic loss scalers (DeepSpeed, apex, fairseq, torch GradScaler wrappers): an overflow that skips a step is
// an event; a cascade that does not recover is an incident (../loss-scaling.ts decides which).
import type { TextFormat } from './types';
import { re } from './regex';

export const lossScalerFormats: TextFormat[] = [
  {
    name: 'deepspeed',
    event: 'overflow',
    hints: ['Attempted loss scale'],
    words: ['attempted loss scale'],
    patterns: [re(String.raw`(?:OVERFLOW!|overflow!).*Attempted loss scale: (?<from>{N}), reducing to (?<scale>{N})`)],
    samples: [{ line: '[2023-06-07 22:16:00,018] [INFO] [loss_scaler.py:181:update_scale] [deepspeed] OVERFLOW! Rank 0 Skipping step. Attempted loss scale: 64, reducing to 32' }],
  },
  {
    name: 'apex',
    hints: ['Gradient overflow'],
    words: ['gradient overflow'],
    event: 'overflow',
    minimumScale: 1,
    patterns: [re(String.raw`Gradient overflow\.\s+Skipping step,.*?reducing loss scale to (?<scale>{N})`)],
    samples: [
      { line: 'Gradient overflow.  Skipping step, loss scaler 0 reducing loss scale to 32768.0' },
      { line: 'Gradient overflow. Skipping step, loss scaler 0 reducing loss scale to 8.165126103939127e-202', nonFinite: 'loss scale' },
    ],
  },
  {
    name: 'fairseq',
    event: 'overflow',
    hints: ['overflow detected'],
    words: ['overflow detected'],
    // fairseq halves its scale down to --min-loss-scale (1e-4), then stops with 'Minimum loss scale reached': a run
    // that skips the odd step at 0.06 recovers (fairseq #515), one within five halvings of the floor does not.
    lowScale: 1e-4 * 2 ** 5,
    patterns: [re(String.raw`overflow detected,(?: ignoring gradient,)? setting loss scale to:? (?<scale>{N})`)],
    samples: [{ line: '2020-08-01 12:39:16 | INFO | fairseq.trainer | NOTE: overflow detected, setting loss scale to: 1024.0' }],
  },
  {
    name: 'loss-scaler',
    hints: ['loss scale'],
    event: 'loss-scale',
    words: ['ing loss scale', 'ing dynamic loss scale'],
    patterns: [re(String.raw`(?:[Ii]ncreas|[Rr]educ|[Ss]ett)ing (?:dynamic )?loss scale (?:from {N} )?to:? (?<scale>{N})`)],
    samples: [{ line: '[2024-01-01 10:00:00,000] [INFO] [unfused_optimizer.py:280:_update_scale] Increasing dynamic loss scale from 4096 to 8192' }],
  },
];
