import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { CadenceError } from '../errors/cadence-error.ts';
import type { ObjectInfo, ObjectStore } from '../storage/types.ts';
import { instrumentStore } from './instrumented-store.ts';
import { createOriginMetrics } from './metrics.ts';

const info = (key: string): ObjectInfo => ({ key, size: 1, sha256: null, etag: key, lastModified: new Date(0) });

/** A store whose every call advances a fake clock by `latency` seconds; `fail` keys throw. */
function fakeStore(clock: { now: number }, latency = 0.002): ObjectStore & { calls: string[] } {
  const calls: string[] = [];
  const tick = async () => {
    clock.now += latency;
  };
  return {
    url: 'memory://fake',
    calls,
    async putFile(key) {
      calls.push(`putFile ${key}`);
      await tick();
      return { created: true, sha256: 'x', size: 1 };
    },
    async putBytes(key) {
      calls.push(`putBytes ${key}`);
      await tick();
      throw new CadenceError('STORAGE', 'disk full');
    },
    async head(key) {
      calls.push(`head ${key}`);
      await tick();
      return key === 'absent' ? null : info(key);
    },
    async get(key, range) {
      calls.push(`get ${key} ${range ? `${range.start}-${range.end}` : 'all'}`);
      await tick();
      if (key === 'absent') throw new CadenceError('NOT_FOUND', `no object ${key}`);
      return { body: Readable.from([Buffer.from('ab')]), size: 2, totalSize: 2, etag: 'e', contentType: null };
    },
    async getBytes(key) {
      calls.push(`getBytes ${key}`);
      await tick();
      if (key === 'broken') throw new Error('ECONNRESET');
      return Buffer.from('abc');
    },
    async *list(prefix) {
      calls.push(`list ${prefix}`);
      for (const key of ['a', 'b', 'c']) {
        await tick();
        if (prefix === 'bad/' && key === 'b') throw new CadenceError('STORAGE', 'listing failed');
        yield info(`${prefix}${key}`);
      }
    },
    async delete(key) {
      calls.push(`delete ${key}`);
      await tick();
    },
  };
}

function sampleValue(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

function setup() {
  const clock = { now: 0 };
  const metrics = createOriginMetrics({ defaultMetrics: false, now: () => clock.now });
  const inner = fakeStore(clock);
  const store = instrumentStore(inner, metrics, { now: () => clock.now });
  return { clock, metrics, inner, store };
}

describe('instrumentStore', () => {
  it('passes calls and results through and times each one by operation', async () => {
    const { metrics, inner, store } = setup();
    expect(store.url).toBe('memory://fake');
    expect((await store.getBytes('k')).toString()).toBe('abc');
    expect(await store.head('absent')).toBeNull();
    const got = await store.get('k', { start: 0, end: 1 });
    expect(got.size).toBe(2);
    await store.delete('k');
    await store.putFile('k', '/tmp/x');
    expect(inner.calls).toEqual(['getBytes k', 'head absent', 'get k 0-1', 'delete k', 'putFile k']);

    const { body } = await metrics.render();
    for (const operation of ['getBytes', 'head', 'get', 'delete', 'putFile']) {
      expect(sampleValue(body, `cadence_storage_request_duration_seconds_count{operation="${operation}"}`)).toBe(1);
      expect(sampleValue(body, `cadence_storage_request_duration_seconds_sum{operation="${operation}"}`)).toBeCloseTo(0.002, 9);
    }
    expect(body).not.toContain('cadence_storage_errors_total{');
  });

  it('counts failures per operation and rethrows them unchanged; absent objects are not failures', async () => {
    const { metrics, store } = setup();
    await expect(store.getBytes('broken')).rejects.toThrow('ECONNRESET');
    await expect(store.putBytes('k', 'x')).rejects.toMatchObject({ code: 'STORAGE' });
    await expect(store.get('absent')).rejects.toMatchObject({ code: 'NOT_FOUND' });

    const { body } = await metrics.render();
    expect(sampleValue(body, 'cadence_storage_errors_total{operation="getBytes"}')).toBe(1);
    expect(sampleValue(body, 'cadence_storage_errors_total{operation="putBytes"}')).toBe(1);
    expect(sampleValue(body, 'cadence_storage_errors_total{operation="get"}')).toBeUndefined();
    expect(sampleValue(body, 'cadence_storage_request_duration_seconds_count{operation="get"}')).toBe(1);
  });

  it('observes a listing once, counting only time spent waiting on the store', async () => {
    const { clock, metrics, store } = setup();
    const keys: string[] = [];
    for await (const object of store.list('p/')) {
      keys.push(object.key);
      clock.now += 1; // the consumer's own work must not count
    }
    expect(keys).toEqual(['p/a', 'p/b', 'p/c']);
    const { body } = await metrics.render();
    expect(sampleValue(body, 'cadence_storage_request_duration_seconds_count{operation="list"}')).toBe(1);
    expect(sampleValue(body, 'cadence_storage_request_duration_seconds_sum{operation="list"}')).toBeCloseTo(0.006, 9);
  });

  it('counts a failing listing, and an early break is neither a failure nor left open', async () => {
    const { metrics, store } = setup();
    const seen: string[] = [];
    await expect(
      (async () => {
        for await (const object of store.list('bad/')) seen.push(object.key);
      })(),
    ).rejects.toThrow('listing failed');
    expect(seen).toEqual(['bad/a']);

    for await (const object of store.list('p/')) {
      seen.push(object.key);
      break;
    }
    const { body } = await metrics.render();
    expect(sampleValue(body, 'cadence_storage_errors_total{operation="list"}')).toBe(1);
    expect(sampleValue(body, 'cadence_storage_request_duration_seconds_count{operation="list"}')).toBe(2);
  });
});
