// Which failures a retry can cure. A storage hiccup, an ffmpeg crash, a busy catalog or a worker
// that was stopped may pass on the next attempt; a bad master, another label's recording or a
// master missing from storage will not, so those jobs fail at once with their code kept.

import type { ErrorCode } from '../errors/cadence-error.ts';

/** Attempts per job, with exponential backoff from BACKOFF_MS (2 s, 4 s, 8 s, 16 s). */
export const JOB_ATTEMPTS = 5;
export const BACKOFF_MS = 2000;

const FINAL_CODES = new Set<string>(['BAD_MASTER', 'BAD_DELIVERY', 'BAD_INPUT', 'CONFLICT', 'NOT_FOUND', 'MEDIA'] satisfies ErrorCode[]);

/** `CODE: message` → CODE (`INTERNAL` when the text has none). */
export function failureCode(error: string): string {
  return /^([A-Z_]+):/.exec(error)?.[1] ?? 'INTERNAL';
}

export function isRetryable(error: string): boolean {
  return !FINAL_CODES.has(failureCode(error));
}
