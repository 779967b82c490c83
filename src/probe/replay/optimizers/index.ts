// Builds the optimizer a probe replays from the resolved settings.
import type { ReplaySettings } from '../../spec';
import { createAdam } from './adam';
import { createSgd } from './sgd';
import type { Optimizer } from './types';

export type { Optimizer, OptimizerParam } from './types';

export function createOptimizer(s: ReplaySettings): Optimizer {
  if (s.optimizer === 'sgd') return createSgd({ momentum: s.momentum, dampening: s.dampening, nesterov: s.nesterov, weightDecay: s.weightDecay });
  return createAdam({ beta1: s.beta1, beta2: s.beta2, eps: s.epsilon, weightDecay: s.weightDecay, decoupled: s.optimizer === 'adamw' });
}
