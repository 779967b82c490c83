import type { StructuredFormat } from './types';

export type { StructuredFormat } from './types';

/** Structured training-output readers, asked in order before the text formats. */
export const structuredFormats: StructuredFormat[] = [];

/** The structured reader that owns this file, if any. */
export function findStructuredFormat(path: string, head: Uint8Array): StructuredFormat | undefined {
  return structuredFormats.find((f) => f.matches(path, head));
}
