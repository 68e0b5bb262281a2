// JSON error answers for the media path, and the error-to-status mapping the hono routes share.
// What a client reads never carries internals: storage URLs and filesystem paths, SQL, stacks.
// A 5xx carries a request id instead, which the log line of that request carries too.

import { randomUUID } from 'node:crypto';
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

/** What the client is told for each status, whatever the error said. */
const PUBLIC_MESSAGE = {
  404: 'not found',
  500: 'internal error',
  503: 'temporarily unavailable, try again later',
} as const;

export type Failure = { status: 400 | 404 | 500 | 503; error: string; message: string; requestId?: string };

/** An id to quote between a client's 5xx and the server's log. */
export function newRequestId(): string {
  return randomUUID();
}

/** A body of `{ error, message }` (plus `requestId` when given), never cached. */
export function jsonAnswer(status: number, error: string, message: string, headers: Record<string, string> = {}, requestId?: string): ObjectAnswer & { requestId?: string } {
  const body = Buffer.from(JSON.stringify(requestId ? { error, message, requestId } : { error, message }), 'utf8');
  return {
    status,
    headers: { ...headers, 'Content-Type': 'application/json', 'Content-Length': String(body.length), 'Cache-Control': 'no-store', ...(requestId && { 'X-Request-Id': requestId }) },
    body,
    bodyBytes: body.length,
    ...(requestId && { requestId }),
  };
}

/**
 * How a thrown error is answered: our own error codes map to 4xx/503, anything else is a 500.
 * Only a 400's own message may reach the client, and only when it names no path or URL; a 5xx
 * gets a fresh request id.
 */
export function failureOf(error: unknown): Failure {
  const status = isCadenceError(error) ? (STATUS_BY_CODE[error.code] ?? 500) : 500;
  if (status === 500) return { status, error: 'internal', message: PUBLIC_MESSAGE[500], requestId: newRequestId() };
  if (status === 503) return { status, error: 'unavailable', message: PUBLIC_MESSAGE[503], requestId: newRequestId() };
  if (status === 404) return { status, error: 'not_found', message: PUBLIC_MESSAGE[404] };
  const message = (error as CadenceError).message;
  return { status, error: 'bad_request', message: isSafeToShow(message) ? message : 'bad request' };
}

/** A failure as a media answer; the request id (5xx) is on the answer for the log line. */
export function failureAnswer(error: unknown, headers: Record<string, string> = {}): ObjectAnswer & { requestId?: string } {
  const failure = failureOf(error);
  return jsonAnswer(failure.status, failure.error, failure.message, headers, failure.requestId);
}

/** The 500 written when an answer could not be written at all. */
export function internalErrorAnswer(headers: Record<string, string> = {}): ObjectAnswer & { requestId: string } {
  const requestId = newRequestId();
  return { ...jsonAnswer(500, 'internal', PUBLIC_MESSAGE[500], headers, requestId), requestId };
}

/** No URL, no absolute or home-relative path, no multi-line text (a stack, a SQL statement). */
function isSafeToShow(message: string): boolean {
  return message.length <= 300 && !/[a-z][a-z0-9+.-]*:\/\//i.test(message) && !/(^|[\s"'(=])(\/|~\/|[A-Za-z]:\\)\S/.test(message) && !/[\r\n]/.test(message);
}
