// Turns SQLite failures into CATALOG errors that say which operation failed; our own errors
// pass through unchanged.

import { CadenceError } from '../errors/cadence-error.ts';

export function catalogFailure(what: string, cause: unknown): CadenceError {
  if (cause instanceof CadenceError) return cause;
  const message = cause instanceof Error ? cause.message : String(cause);
  return new CadenceError('CATALOG', `${what}: ${message}`, { cause });
}
