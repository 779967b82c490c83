import type { StructuredFormat } from './types';
import { tensorboard } from './tensorboard';
import { mlflow } from './mlflow';
import { trainerState } from './trainer-state';
import { csv } from './csv';
import { ipynb } from './ipynb';

export type { StructuredFormat } from './types';

/** Structured training-output readers, asked in order before the text formats. */
export const structuredFormats: StructuredFormat[] = [tensorboard, trainerState, mlflow, csv, ipynb];

/** The structured reader that owns this file, if any. */
export function findStructuredFormat(path: string, head: Uint8Array): StructuredFormat | undefined {
  return structuredFormats.find((f) => f.matches(path, head));
}
