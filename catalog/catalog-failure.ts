// Turns SQLite failures into CATALOG errors that say which operation failed; our own errors
// pass through unchanged. A full disk is named as such: SQLite says "database or disk is full"
// (SQLITE_FULL) or, when it cannot grow the WAL index, only "disk I/O error" (SQLITE_IOERR_SHMSIZE).

import { statfsSync } from 'node:fs';
import { dirname } from 'node:path';
import { CadenceError } from '../errors/cadence-error.ts';

/** Below this much free space beside the catalog, an I/O error is taken for a full disk. */
const NEARLY_FULL_BYTES = 1 << 20;

export function catalogFailure(what: string, cause: unknown, path?: string): CadenceError {
  if (cause instanceof CadenceError) return cause;
  const message = cause instanceof Error ? cause.message : String(cause);
  if (isDiskFull(cause, path)) {
    return new CadenceError('CATALOG', `${what}: no space left on the device holding ${path ?? 'the catalog'} (${message})`, { cause });
  }
  return new CadenceError('CATALOG', `${what}: ${message}`, { cause });
}

function isDiskFull(cause: unknown, path: string | undefined): boolean {
  const code = (cause as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return false;
  if (code === 'SQLITE_FULL') return true;
  // An I/O error (SHMSIZE, WRITE, FSYNC…) does not say why: ask the file system.
  if (!code.startsWith('SQLITE_IOERR') || path === undefined || path === '' || path === ':memory:') return false;
  try {
    const { bavail, bsize } = statfsSync(dirname(path));
    return bavail * bsize < NEARLY_FULL_BYTES;
  } catch {
    return false;
  }
}
