// Rate limits in a real redis-server (test/helpers/redis-server.ts): one budget shared by every
// origin node, and while Redis is down the in-memory insurance keeps answering (no failures).

import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis, type TestRedis } from '../test/helpers/redis-server.ts';
import { createRateLimits } from './rate-limits.ts';

let redis: TestRedis;
const clients: Redis[] = [];
beforeAll(async () => {
  redis = await startRedis();
}, 20_000);
afterAll(async () => {
  for (const client of clients) client.disconnect();
  await redis?.close();
});

/** A connected client: before it is ready, the limiters use their in-memory insurance by design. */
async function client(): Promise<Redis> {
  const connection = new Redis(redis.url, { maxRetriesPerRequest: 1 });
  connection.on('error', () => {}); // refusals while the server is stopped are the point of one test
  clients.push(connection);
  if (connection.status !== 'ready') await new Promise((resolve) => connection.once('ready', resolve));
  return connection;
}

describe('rate limits in Redis', () => {
  it('share one budget between nodes, then recover', async () => {
    const settings = { 'grant.listener': { points: 3, seconds: 1 } };
    const nodeA = createRateLimits({ settings, redis: await client(), prefix: 'shared:' });
    const nodeB = createRateLimits({ settings, redis: await client(), prefix: 'shared:' });
    expect(await nodeA.consume('grant', { listener: 'alice' })).toEqual({ ok: true });
    expect(await nodeB.consume('grant', { listener: 'alice' })).toEqual({ ok: true });
    expect(await nodeA.consume('grant', { listener: 'alice' })).toEqual({ ok: true });
    expect(await nodeB.consume('grant', { listener: 'alice' })).toEqual({ ok: false, scope: 'listener', retryAfterSeconds: 1 });
    expect(await nodeB.consume('grant', { listener: 'bob' })).toEqual({ ok: true });
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect(await nodeB.consume('grant', { listener: 'alice' })).toEqual({ ok: true });
  });

  it('fall back to an in-memory budget while Redis is down, still refusing past it', async () => {
    const limits = createRateLimits({ settings: { 'search.address': { points: 2, seconds: 60 } }, redis: await client(), prefix: 'down:' });
    expect(await limits.consume('search', { address: '192.0.2.1' })).toEqual({ ok: true });
    await redis.stop();
    try {
      expect(await limits.consume('search', { address: '192.0.2.9' })).toEqual({ ok: true });
      expect(await limits.consume('search', { address: '192.0.2.9' })).toEqual({ ok: true });
      expect(await limits.consume('search', { address: '192.0.2.9' })).toMatchObject({ ok: false, scope: 'address' });
    } finally {
      await redis.restart();
    }
  }, 20_000);
});
