// The stand-in models' names, without loading TensorFlow.js (diagnose picks one before any probe runs).
import type { TaskFamily } from '../../engine/task-family';

export type { TaskFamily } from '../../engine/task-family';

export const STANDIN_NAMES: Record<TaskFamily, string> = { vision: 'standin-conv', language: 'standin-transformer', other: 'standin-mlp' };

/** Every stand-in's model name starts with this. */
export const STANDIN_PREFIX = 'builtin:standin-';

/** The builtin model that stands in for a task of this family (vision and diffusion: conv; language: transformer). */
export function standInFor(family: TaskFamily): string {
  return `builtin:${STANDIN_NAMES[family]}`;
}
