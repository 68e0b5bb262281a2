// Resume positions in Redis (CADENCE_QUEUE), so every origin node reads what any node wrote.
// Per listener: a hash isrc → `positionMs updatedAtMs`, and a sorted set isrc by update time for
// "continue listening"; both written in one MULTI so a reader never sees one without the other.

import type { Redis } from 'ioredis';
import { CadenceError } from '../errors/cadence-error.ts';
import type { PositionStore, ResumePosition } from './types.ts';

export interface RedisPositionStoreOptions {
  redis: Redis;
  /** Key prefix, so several deployments (or tests) can share one Redis. */
  prefix?: string;
  /** Whether close() also disconnects the client (true when the store owns it). */
  ownsClient?: boolean;
}

function failure(operation: string, cause: unknown): CadenceError {
  return new CadenceError('LISTENERS', `listener store (redis): ${operation} failed: ${(cause as Error).message}`, { cause });
}

export function createRedisPositionStore({ redis, prefix = 'cadence:', ownsClient = false }: RedisPositionStoreOptions): PositionStore {
  // Listener ids come from tokens: kept whole inside the key, after a fixed prefix, so no id can
  // reach another listener's keys (the hash and set names differ before the id starts).
  const hashKey = (listenerId: string): string => `${prefix}positions:${listenerId}`;
  const recentKey = (listenerId: string): string => `${prefix}positions-recent:${listenerId}`;
  const parse = (isrc: string, value: string | null): ResumePosition | null => {
    if (value === null) return null;
    const [positionMs, updatedAtMs] = value.split(' ').map(Number) as [number, number];
    return { isrc, positionMs, updatedAt: new Date(updatedAtMs).toISOString() };
  };
  const guarded = async <T>(operation: string, run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (cause) {
      throw failure(operation, cause);
    }
  };

  return {
    put: (listenerId, { isrc, positionMs, updatedAt }) =>
      guarded('put', async () => {
        const at = Date.parse(updatedAt);
        const results = await redis.multi().hset(hashKey(listenerId), isrc, `${positionMs} ${at}`).zadd(recentKey(listenerId), at, isrc).exec();
        const failed = results?.find(([error]) => error);
        if (!results || failed) throw failed?.[0] ?? new Error('transaction aborted');
      }),
    get: (listenerId, isrc) => guarded('get', async () => parse(isrc, await redis.hget(hashKey(listenerId), isrc))),
    list: (listenerId, limit) =>
      guarded('list', async () => {
        // Newest first; equal times by ISRC descending (what ZREVRANGE does natively).
        const withScores = await redis.zrevrange(recentKey(listenerId), 0, limit - 1, 'WITHSCORES');
        const entries: Array<{ isrc: string; at: number }> = [];
        for (let i = 0; i < withScores.length; i += 2) entries.push({ isrc: withScores[i]!, at: Number(withScores[i + 1]) });
        const chosen = entries;
        if (chosen.length === 0) return [];
        const values = await redis.hmget(hashKey(listenerId), ...chosen.map((entry) => entry.isrc));
        return chosen.flatMap((entry, i) => parse(entry.isrc, values[i] ?? null) ?? []);
      }),
    close: async () => {
      if (ownsClient) await redis.quit().catch(() => redis.disconnect());
    },
  };
}
