// Retry policy for the one request the AWS SDK will not retry itself: a PUT whose body is a
// stream (the SDK cannot rewind it, so it gives up after one attempt). We reopen the file and
// try again with the same schedule as the SDK's standard retry mode: exponential backoff with
// full jitter, delay = random(0, min(cap, base · 2^retry)), base 50 ms, cap 20 s.

import { setTimeout as wait } from 'node:timers/promises';

export const RETRY_BASE_DELAY_MS = 50;
export const RETRY_MAX_DELAY_MS = 20_000;

/** Delay before retry number `retryIndex` (0 = first retry), in milliseconds. */
export function fullJitterDelay(retryIndex: number, random: () => number = Math.random): number {
  const ceiling = Math.min(RETRY_MAX_DELAY_MS, RETRY_BASE_DELAY_MS * 2 ** retryIndex);
  return Math.floor(random() * ceiling);
}

const RETRYABLE_STATUS = new Set([429, 500, 502, 503, 504]);
const RETRYABLE_NAMES = new Set([
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
  'SlowDown',
  'Throttling',
  'ThrottlingException',
  'RequestThrottled',
  'TooManyRequestsException',
  'InternalError',
  'ServiceUnavailable',
]);
const RETRYABLE_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

interface ErrorShape {
  name?: unknown;
  code?: unknown;
  $retryable?: unknown;
  $metadata?: { httpStatusCode?: number; attempts?: number };
  cause?: unknown;
}

/** Transient by the same classes the SDK's standard mode retries: throttling, 5xx, network. */
export function isRetryableError(error: unknown, depth = 0): boolean {
  if (!error || typeof error !== 'object' || depth > 3) return false;
  const shape = error as ErrorShape;
  if (shape.name === 'AbortError') return false;
  if (shape.$retryable) return true;
  const status = shape.$metadata?.httpStatusCode;
  if (status !== undefined && RETRYABLE_STATUS.has(status)) return true;
  if (typeof shape.name === 'string' && RETRYABLE_NAMES.has(shape.name)) return true;
  if (typeof shape.code === 'string' && RETRYABLE_CODES.has(shape.code)) return true;
  return isRetryableError(shape.cause, depth + 1);
}

export interface RetryOptions {
  maxAttempts: number;
  signal?: AbortSignal;
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
  /** For tests. */
  random?: () => number;
}

/**
 * Runs `attempt` up to `maxAttempts` times while it fails with a retryable error. The last error
 * is rethrown with `$metadata.attempts` set, as the SDK does for its own retries.
 */
export async function withRetries<T>(attempt: (number: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const { maxAttempts, signal, onRetry, random } = options;
  for (let number = 1; ; number++) {
    try {
      return await attempt(number);
    } catch (error) {
      if (number >= maxAttempts || signal?.aborted || !isRetryableError(error)) {
        recordAttempts(error, number);
        throw error;
      }
      const delayMs = fullJitterDelay(number - 1, random);
      onRetry?.(error, number, delayMs);
      await sleep(delayMs, signal);
    }
  }
}

function recordAttempts(error: unknown, attempts: number): void {
  if (!error || typeof error !== 'object') return;
  const shape = error as ErrorShape;
  shape.$metadata = { ...shape.$metadata, attempts };
}

async function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms > 0) await wait(ms, undefined, { signal });
}
