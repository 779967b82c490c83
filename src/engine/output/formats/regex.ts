// The small pieces the format table's patterns are written with: a number, a value, and `re` that expands them.
import { VALUE_SOURCE } from './values';

export const NUM = String.raw`[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?`;

/** A pattern with `{N}` (a number) and `{V}` (a value, non-finite tokens and tensor(...) wrappers included). */
export const re = (source: string, flags = ''): RegExp => new RegExp(source.replaceAll('{V}', VALUE_SOURCE).replaceAll('{N}', NUM), flags);
