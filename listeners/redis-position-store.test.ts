// The same contract against a real redis-server on loopback (test/helpers/redis-server.ts).

import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isCadenceError } from '../errors/cadence-error.ts';
import { startRedis, type TestRedis } from '../test/helpers/redis-server.ts';
import { describePositionStoreContract } from './position-store.contract.ts';
import { createRedisPositionStore } from './redis-position-store.ts';

let redis: TestRedis;
let runs = 0;
beforeAll(async () => {
  redis = await startRedis();
}, 20_000);
afterAll(async () => {
  await redis?.close();
});

function client(): Redis {
  const connection = new Redis(redis.url, { maxRetriesPerRequest: 1 });
  connection.on('error', () => {}); // refusals while the server is stopped are the point of one test
  return connection;
}

describePositionStoreContract('redis', async () => {
  // Each test gets its own prefix on the one server; reopen is a second client (another node).
  const prefix = `test-${++runs}:`;
  return {
    store: createRedisPositionStore({ redis: client(), prefix, ownsClient: true }),
    reopen: async () => createRedisPositionStore({ redis: client(), prefix, ownsClient: true }),
    teardown: async () => {},
  };
});

describe('redis position store', () => {
  it('keeps positions across a redis-server restart (appendonly) and fails with LISTENERS while it is down', async () => {
    const store = createRedisPositionStore({ redis: client(), prefix: 'restart:', ownsClient: true });
    try {
      await store.put('alice', { isrc: 'GBAYE2600001', positionMs: 1234, updatedAt: '2026-12-03T09:00:00.000Z' });
      await redis.stop();
      const error = await store.get('alice', 'GBAYE2600001').then(() => null, (caught: unknown) => caught);
      expect(isCadenceError(error) && error.code).toBe('LISTENERS');
      await redis.restart();
      const reopened = createRedisPositionStore({ redis: client(), prefix: 'restart:', ownsClient: true });
      expect(await reopened.get('alice', 'GBAYE2600001')).toEqual({ isrc: 'GBAYE2600001', positionMs: 1234, updatedAt: '2026-12-03T09:00:00.000Z' });
      await reopened.close();
    } finally {
      await store.close();
    }
  }, 30_000);
});
