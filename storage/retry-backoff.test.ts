import { describe, expect, it } from 'vitest';

import { fullJitterDelay, isRetryableError, withRetries } from './retry-backoff.ts';

describe('fullJitterDelay', () => {
  it('draws from [0, min(20 s, 50 ms · 2^retry))', () => {
    expect(fullJitterDelay(0, () => 0.999)).toBe(49);
    expect(fullJitterDelay(3, () => 0.5)).toBe(200);
    expect(fullJitterDelay(20, () => 0.999)).toBe(19_980);
    expect(fullJitterDelay(5, () => 0)).toBe(0);
  });
});

describe('isRetryableError', () => {
  it('retries throttling, 5xx, timeouts and network errors, nothing else', () => {
    expect(isRetryableError({ $metadata: { httpStatusCode: 503 } })).toBe(true);
    expect(isRetryableError({ name: 'SlowDown' })).toBe(true);
    expect(isRetryableError(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }))).toBe(true);
    expect(isRetryableError(new Error('wrapped', { cause: { code: 'ECONNRESET' } }))).toBe(true);
    expect(isRetryableError({ name: 'AccessDenied', $metadata: { httpStatusCode: 403 } })).toBe(false);
    expect(isRetryableError({ name: 'AbortError' })).toBe(false);
    expect(isRetryableError(undefined)).toBe(false);
  });
});

describe('withRetries', () => {
  const transient = (): Error => Object.assign(new Error('reset'), { code: 'ECONNRESET' });

  it('retries transient failures up to maxAttempts and records the attempts', async () => {
    const seen: number[] = [];
    const error = await withRetries(
      async (attempt) => {
        seen.push(attempt);
        throw transient();
      },
      { maxAttempts: 3, random: () => 0 },
    ).catch((e: unknown) => e as { $metadata?: { attempts?: number } });
    expect(seen).toEqual([1, 2, 3]);
    expect(error.$metadata?.attempts).toBe(3);
  });

  it('returns the first success and does not retry permanent errors', async () => {
    let calls = 0;
    expect(await withRetries(async () => (++calls < 2 ? Promise.reject(transient()) : 'ok'), { maxAttempts: 5, random: () => 0 })).toBe('ok');
    expect(calls).toBe(2);
    calls = 0;
    await expect(
      withRetries(async () => {
        calls++;
        throw Object.assign(new Error('denied'), { $metadata: { httpStatusCode: 403 } });
      }, { maxAttempts: 5 }),
    ).rejects.toThrow('denied');
    expect(calls).toBe(1);
  });

  it('stops waiting when aborted', async () => {
    const controller = new AbortController();
    const started = Date.now();
    const run = withRetries(
      async () => {
        throw transient();
      },
      { maxAttempts: 10, signal: controller.signal, random: () => 0.999 },
    );
    setTimeout(() => controller.abort(), 20);
    await expect(run).rejects.toBeDefined();
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});
