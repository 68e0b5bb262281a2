// The worker's start-up check against a real redis-server: quiet on a deployment configured as
// documented (noeviction, appendonly), loud about an evicting or non-persistent one.

import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestRedis, startRedis } from '../test/helpers/redis-server.ts';
import { redisSettingsWarnings } from './redis-settings.ts';

let redis: TestRedis;
let client: Redis;

beforeAll(async () => {
  redis = await startRedis();
  client = new Redis(redis.url);
});
afterAll(async () => {
  client.disconnect();
  await redis.close();
});

describe('redisSettingsWarnings', () => {
  it('is quiet with noeviction and appendonly', async () => {
    expect(await redisSettingsWarnings(client)).toEqual([]);
  });

  it('warns about an eviction policy and a missing append-only file', async () => {
    await client.config('SET', 'maxmemory-policy', 'allkeys-lru');
    await client.config('SET', 'appendonly', 'no');
    const warnings = await redisSettingsWarnings(client);
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toContain('maxmemory-policy is "allkeys-lru"');
    expect(warnings[1]).toContain('appendonly');
  });
});
