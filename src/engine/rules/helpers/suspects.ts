// Usual suspects: settings that often explain a NaN but are not shown to here (fp16 with nothing else pointing at
// its range). They are a warning while nothing explains the NaN better, and information once a rule pins it with
// an error (diagnose.ts demotes them with the missing safety nets).
import type { NanDiagnostic } from '../../types';

const suspects = new WeakSet<NanDiagnostic>();

/** Marks a diagnostic as a usual suspect and returns it. */
export function asSuspect(d: NanDiagnostic): NanDiagnostic {
  suspects.add(d);
  return d;
}

export function isSuspect(d: NanDiagnostic): boolean {
  return suspects.has(d);
}
