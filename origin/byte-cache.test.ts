import { describe, expect, it, vi } from 'vitest';
import { ByteCache, singleFlight, type ByteCacheEviction } from './byte-cache.ts';

const bytes = (length: number, fill = 1) => new Uint8Array(length).fill(fill);

describe('ByteCache eviction', () => {
  it('evicts the least recently used entries first and keeps the byte count exact', () => {
    const evicted: ByteCacheEviction[] = [];
    const cache = new ByteCache({ maxBytes: 300, maxEntryBytes: 300, onEvict: (e) => evicted.push(e) });
    cache.set('a', bytes(100));
    cache.set('b', bytes(100));
    cache.set('c', bytes(100));
    expect(cache.stats()).toMatchObject({ entries: 3, bytes: 300 });

    cache.get('a'); // a is now the most recent: b goes first
    cache.set('d', bytes(150));
    expect(evicted.map((e) => e.key)).toEqual(['b', 'c']);
    expect(evicted.map((e) => e.bytes)).toEqual([100, 100]);
    expect(cache.has('a') && cache.has('d')).toBe(true);
    expect(cache.stats()).toMatchObject({ entries: 2, bytes: 250, evictions: 2 });
  });

  it('gives every entry read since the last pass one more round, and never gives up the entry being stored', () => {
    const evicted: string[] = [];
    const cache = new ByteCache({ maxBytes: 300, maxEntryBytes: 300, onEvict: (e) => evicted.push(e.key) });
    for (const key of ['a', 'b', 'c']) cache.set(key, bytes(100));
    for (const key of ['a', 'b', 'c']) cache.get(key);
    cache.set('d', bytes(100)); // all three were read: each is passed over once, then a goes
    expect(evicted).toEqual(['a']);
    cache.get('b');
    cache.set('e', bytes(200)); // c and d were not read since the pass; b was
    expect(evicted).toEqual(['a', 'c', 'd']);
    expect([cache.has('b'), cache.has('e')]).toEqual([true, true]);
    expect(cache.stats()).toMatchObject({ entries: 2, bytes: 300 });
  });

  it('accounts for a replaced key once, with its new size', () => {
    const cache = new ByteCache({ maxBytes: 1000, maxEntryBytes: 1000 });
    cache.set('a', bytes(100));
    cache.set('b', bytes(100));
    cache.set('a', bytes(300, 7));
    expect(cache.stats()).toMatchObject({ entries: 2, bytes: 400, evictions: 0 });
    expect(cache.get('a')).toEqual(bytes(300, 7));
    cache.set('a', bytes(50));
    expect(cache.stats()).toMatchObject({ entries: 2, bytes: 150 });
    cache.delete('a');
    expect(cache.stats()).toMatchObject({ entries: 1, bytes: 100 });
  });

  it('replacing a key makes it the most recent', () => {
    const cache = new ByteCache({ maxBytes: 200, maxEntryBytes: 200 });
    cache.set('a', bytes(100));
    cache.set('b', bytes(100));
    cache.set('a', bytes(100, 2));
    cache.set('c', bytes(100));
    expect([cache.has('a'), cache.has('b'), cache.has('c')]).toEqual([true, false, true]);
  });

  it('does not cache entries larger than maxEntryBytes (default maxBytes / 8) and keeps what it had', () => {
    const cache = new ByteCache({ maxBytes: 800 });
    expect(cache.maxEntryBytes).toBe(100);
    expect(cache.set('small', bytes(100))).toBe(true);
    expect(cache.set('big', bytes(101))).toBe(false);
    expect(cache.has('big')).toBe(false);
    expect(cache.stats()).toMatchObject({ entries: 1, bytes: 100, evictions: 0 });
  });

  it('an oversize replacement removes the old value instead of serving it stale', () => {
    const cache = new ByteCache({ maxBytes: 800 });
    cache.set('k', bytes(10));
    cache.set('k', bytes(500));
    expect(cache.get('k')).toBeUndefined();
    expect(cache.stats().bytes).toBe(0);
  });

  it('counts hits and misses', () => {
    const cache = new ByteCache({ maxBytes: 100 });
    cache.set('a', bytes(1));
    cache.get('a');
    cache.get('a');
    cache.get('nope');
    expect(cache.stats()).toMatchObject({ hits: 2, misses: 1 });
  });

  it('reports eviction age from the injected clock', () => {
    let clock = 1000;
    const evicted: ByteCacheEviction[] = [];
    const cache = new ByteCache({ maxBytes: 10, maxEntryBytes: 10, now: () => clock, onEvict: (e) => evicted.push(e) });
    cache.set('a', bytes(10));
    clock = 1500;
    cache.get('a');
    clock = 2000;
    cache.set('b', bytes(10));
    expect(evicted).toEqual([{ key: 'a', bytes: 10, ageMs: 1000, idleMs: 500 }]);
  });

  it('stores a copy of a small view so the budget matches the memory kept alive', () => {
    const parent = new Uint8Array(4096).fill(9);
    const view = parent.subarray(10, 20);
    const cache = new ByteCache({ maxBytes: 1000 });
    cache.set('v', view);
    const stored = cache.get('v')!;
    expect(stored).toEqual(view);
    expect(stored.buffer.byteLength).toBe(10);
  });
});

describe('ByteCache.getOrLoad', () => {
  it('50 concurrent callers of a missing key share one loader call', async () => {
    const cache = new ByteCache({ maxBytes: 1 << 20 });
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const loader = vi.fn(async () => {
      await gate;
      return bytes(1000, 5);
    });
    const pending = Array.from({ length: 50 }, () => cache.getOrLoad('seg', loader));
    await Promise.resolve();
    release();
    const results = await Promise.all(pending);
    expect(loader).toHaveBeenCalledTimes(1);
    expect(results.every((r) => r.hit === false && r.value.byteLength === 1000)).toBe(true);

    const again = await cache.getOrLoad('seg', loader);
    expect(again.hit).toBe(true);
    expect(loader).toHaveBeenCalledTimes(1);
    expect(cache.stats()).toMatchObject({ hits: 1, misses: 50, loads: 1, entries: 1 });
  });

  it('a failed load reaches every waiter, is not cached, and a later call retries', async () => {
    const cache = new ByteCache({ maxBytes: 1 << 20 });
    const failing = vi.fn(async () => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      throw new Error('storage down');
    });
    const outcomes = await Promise.allSettled(Array.from({ length: 10 }, () => cache.getOrLoad('k', failing)));
    expect(failing).toHaveBeenCalledTimes(1);
    expect(outcomes.every((o) => o.status === 'rejected' && (o.reason as Error).message === 'storage down')).toBe(true);
    expect(cache.has('k')).toBe(false);

    const working = vi.fn(async () => bytes(10));
    await expect(cache.getOrLoad('k', working)).resolves.toMatchObject({ hit: false });
    expect(working).toHaveBeenCalledTimes(1);
    expect(cache.has('k')).toBe(true);
  });

  it('a loader that throws synchronously still rejects every caller and leaves nothing in flight', async () => {
    const cache = new ByteCache({ maxBytes: 100 });
    const loader = (): Promise<Uint8Array> => {
      throw new Error('sync');
    };
    await expect(Promise.all([cache.getOrLoad('k', loader), cache.getOrLoad('k', loader)])).rejects.toThrow('sync');
    await expect(cache.getOrLoad('k', async () => bytes(1))).resolves.toMatchObject({ hit: false });
  });

  it('returns oversize values to every waiter without caching them', async () => {
    const cache = new ByteCache({ maxBytes: 800 });
    const loader = vi.fn(async () => bytes(500));
    const [a, b] = await Promise.all([cache.getOrLoad('big', loader), cache.getOrLoad('big', loader)]);
    expect(a.value.byteLength).toBe(500);
    expect(b.value).toBe(a.value);
    expect(cache.has('big')).toBe(false);
    await cache.getOrLoad('big', loader);
    expect(loader).toHaveBeenCalledTimes(2);
  });
});

describe('singleFlight', () => {
  it('coalesces per key and forgets a run once it settles', async () => {
    const flights = singleFlight<string, number>();
    let calls = 0;
    const work = async () => {
      calls += 1;
      await new Promise((resolve) => setTimeout(resolve, 1));
      return calls;
    };
    const running = Promise.all([flights('a', work), flights('a', work), flights('b', work)]);
    expect(flights.has('a') && flights.size === 2).toBe(true);
    const [x, y] = await running;
    expect(x).toBe(y);
    expect(calls).toBe(2);
    expect(flights.size).toBe(0);
    await flights('a', work);
    expect(calls).toBe(3);
  });
});
