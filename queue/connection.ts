// One queue, one key prefix, one set of connection settings for every process that touches it.

import { Redis } from 'ioredis';
import { CadenceError } from '../errors/cadence-error.ts';
import type { RedisTarget } from './types.ts';

export const QUEUE_NAME = 'ingest';
/** Keys live under `cadence:ingest:*`, so a Redis shared with other apps stays readable. */
export const QUEUE_PREFIX = 'cadence';

/**
 * ioredis settings BullMQ needs for a queue that survives Redis restarts: commands wait for the
 * reconnect instead of failing (`maxRetriesPerRequest: null`), and reconnects back off to 1 s.
 */
export function redisOptions(target: RedisTarget) {
  return {
    host: target.host,
    port: target.port,
    db: target.db,
    ...(target.username ? { username: target.username } : {}),
    ...(target.password ? { password: target.password } : {}),
    ...(target.tls ? { tls: { servername: target.host } } : {}),
    maxRetriesPerRequest: null,
    enableReadyCheck: true,
    retryStrategy: (times: number) => Math.min(100 * times, 1000),
  };
}

/**
 * Fails fast when Redis cannot be reached at start (afterwards the clients reconnect forever):
 * a wrong host should be an error, not a hang.
 */
export async function checkReachable(target: RedisTarget, timeoutMs = 5000): Promise<Redis> {
  const client = new Redis({ ...redisOptions(target), lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 1, connectTimeout: timeoutMs });
  // The socket's own error (ECONNREFUSED, ENOTFOUND) says more than "Connection is closed".
  let socketError: Error | null = null;
  client.on('error', (error: Error) => (socketError ??= error));
  try {
    await client.connect();
    await client.ping();
    return client;
  } catch (error) {
    client.disconnect();
    const reason = (socketError ?? (error as Error)).message;
    throw new CadenceError('QUEUE', `cannot reach Redis at ${target.display} (CADENCE_QUEUE): ${reason}`, { cause: error });
  }
}
