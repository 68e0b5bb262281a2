import { describe, expect, it } from 'vitest';
import { retryWhileBusy } from './retry-busy.ts';

function failing(code: string, times: number): { step: () => string; calls: () => number } {
  let calls = 0;
  return {
    step: () => {
      calls += 1;
      if (calls <= times) throw Object.assign(new Error('database is locked'), { code });
      return 'done';
    },
    calls: () => calls,
  };
}

describe('retryWhileBusy', () => {
  it('retries SQLITE_BUSY until the step succeeds', () => {
    const busy = failing('SQLITE_BUSY', 3);
    expect(retryWhileBusy(busy.step, { timeoutMs: 2000 })).toBe('done');
    expect(busy.calls()).toBe(4);
  });

  it('passes any other error straight through', () => {
    const broken = failing('SQLITE_CONSTRAINT', 1);
    expect(() => retryWhileBusy(broken.step, { timeoutMs: 2000 })).toThrow('database is locked');
    expect(broken.calls()).toBe(1);
  });

  it('gives up with the busy error once the timeout has passed', () => {
    const stuck = failing('SQLITE_BUSY_RECOVERY', Infinity);
    const started = Date.now();
    expect(() => retryWhileBusy(stuck.step, { timeoutMs: 150 })).toThrow('database is locked');
    expect(Date.now() - started).toBeLessThan(1000);
    expect(stuck.calls()).toBeGreaterThan(1);
  });
});
