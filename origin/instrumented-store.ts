// An ObjectStore that times every call into `cadence_storage_request_duration_seconds{operation}`
// and counts failures in `cadence_storage_errors_total{operation}`, whatever the driver.

import type { ByteRange, ObjectInfo, ObjectStore, PutOptions } from '../storage/types.ts';
import type { OriginMetrics } from './metrics.ts';

export type StoreMetrics = Pick<OriginMetrics, 'timeStorage' | 'observeStorage'>;

export function instrumentStore(store: ObjectStore, metrics: StoreMetrics, { now = defaultNow }: { now?: () => number } = {}): ObjectStore {
  const timeStorage = <T>(operation: string, fn: () => Promise<T>) => metrics.timeStorage(operation, fn);
  const instrumented: ObjectStore = {
    url: store.url,
    putFile: (key: string, path: string, options?: PutOptions) => timeStorage('putFile', () => store.putFile(key, path, options)),
    putBytes: (key: string, body: Buffer | string, options?: PutOptions) => timeStorage('putBytes', () => store.putBytes(key, body, options)),
    head: (key: string) => timeStorage('head', () => store.head(key)),
    // Until the body starts streaming; the bytes that follow are the HTTP metrics' business.
    get: (key: string, range?: ByteRange) => timeStorage('get', () => store.get(key, range)),
    getBytes: (key: string, range?: ByteRange) => timeStorage('getBytes', () => store.getBytes(key, range)),
    list: (prefix: string) => timedList(store, prefix, metrics, now),
    delete: (key: string) => timeStorage('delete', () => store.delete(key)),
  };
  if (store.close) instrumented.close = () => store.close!();
  return instrumented;
}

/**
 * One observation per listing: the time spent waiting on the store, summed over pages, so the
 * consumer's own work between items does not count.
 */
async function* timedList(store: ObjectStore, prefix: string, metrics: StoreMetrics, now: () => number): AsyncGenerator<ObjectInfo, void, undefined> {
  let waited = 0;
  let failure: unknown;
  try {
    const iterator = store.list(prefix)[Symbol.asyncIterator]();
    let finished = false;
    try {
      for (;;) {
        const start = now();
        let step: IteratorResult<ObjectInfo>;
        try {
          step = await iterator.next();
        } catch (error) {
          finished = true; // a failed iterator is done; only an early stop needs return()
          throw error;
        } finally {
          waited += now() - start;
        }
        if (step.done) {
          finished = true;
          return;
        }
        yield step.value;
      }
    } finally {
      // The consumer stopped early (break) or failed: let the driver release its resources.
      if (!finished) await iterator.return?.();
    }
  } catch (error) {
    failure = error ?? new Error('undefined thrown');
    throw error;
  } finally {
    metrics.observeStorage('list', waited, failure);
  }
}

function defaultNow(): number {
  return performance.now() / 1000;
}
