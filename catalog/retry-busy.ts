// Retries a step that SQLite refused with SQLITE_BUSY without consulting the busy handler.
// Switching a fresh file to WAL is such a step: when several processes open a new catalog at
// once, all but one get SQLITE_BUSY straight away instead of waiting on busy_timeout.

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/** Runs `step` until it stops failing with SQLITE_BUSY or `timeoutMs` has passed. */
export function retryWhileBusy<T>(step: () => T, { timeoutMs }: { timeoutMs: number }): T {
  const deadline = Date.now() + timeoutMs;
  for (let delay = 2; ; delay = Math.min(delay * 2, 100)) {
    try {
      return step();
    } catch (error) {
      if (!isBusy(error) || Date.now() + delay > deadline) throw error;
      // A synchronous sleep: the catalog API is synchronous. Jitter keeps racers out of step.
      Atomics.wait(sleeper, 0, 0, delay * (0.5 + Math.random()));
    }
  }
}

function isBusy(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_BUSY');
}
