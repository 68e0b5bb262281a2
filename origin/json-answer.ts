// JSON error answers for the media path, and the error-to-status mapping the hono routes share.

import { type CadenceError, isCadenceError } from '../errors/cadence-error.ts';
import type { ObjectAnswer } from './object-response.ts';

const STATUS_BY_CODE: Partial<Record<CadenceError['code'], 400 | 404 | 503>> = {
  BAD_INPUT: 400,
  NOT_FOUND: 404,
  STORAGE: 503,
  CATALOG: 503,
  AUTH: 503,
  LISTENERS: 503,
};

/** A body of `{ error, message }`, never cached. */
export function jsonAnswer(status: number, error: string, message: string, headers: Record<string, string> = {}): ObjectAnswer {
  const body = Buffer.from(JSON.stringify({ error, message }), 'utf8');
  return {
    status,
    headers: { ...headers, 'Content-Type': 'application/json', 'Content-Length': String(body.length), 'Cache-Control': 'no-store' },
    body,
    bodyBytes: body.length,
  };
}

/** How a thrown error is answered: our own error codes map to 4xx/503, anything else is a 500. */
export function failureOf(error: unknown): { status: 400 | 404 | 500 | 503; error: string; message: string } {
  const status = isCadenceError(error) ? (STATUS_BY_CODE[error.code] ?? 500) : 500;
  if (status === 500) return { status, error: 'internal', message: 'internal error' };
  return { status, error: status === 503 ? 'unavailable' : status === 404 ? 'not_found' : 'bad_request', message: (error as CadenceError).message };
}
