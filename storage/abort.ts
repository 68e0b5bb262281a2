// Cancellation is reported the same way by both drivers: CadenceError ABORTED naming the object.

import { CadenceError } from '../errors/cadence-error.ts';

export function isAbortError(error: unknown, signal?: AbortSignal): boolean {
  if (signal?.aborted) return true;
  const name = (error as { name?: unknown } | null)?.name;
  return name === 'AbortError';
}

export function abortedError(what: string, cause?: unknown): CadenceError {
  return new CadenceError('ABORTED', `${what}: cancelled`, { cause });
}
