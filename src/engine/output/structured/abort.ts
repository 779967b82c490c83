/** Throws the signal's reason (an AbortError) when the caller gave up. */
export function checkAborted(signal?: AbortSignal): void {
  if (!signal?.aborted) return;
  const reason: unknown = signal.reason;
  if (reason instanceof Error) throw reason;
  const e = new Error('the read was aborted');
  e.name = 'AbortError';
  throw e;
}
