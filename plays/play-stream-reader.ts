// The reading half of shared plays: one loop per node (the serve primary) reads the stream from the
// last entry its catalog counted (XREAD BLOCK) and applies each batch of entries with the new
// position in one catalog transaction (catalog.applyPlayEvents), so nothing is counted twice after
// a restart and a node that was down catches up from where it stopped. If the stream was trimmed
// past that point (it is bounded), the plays in between cannot be counted here: said in the log.

import { Redis } from 'ioredis';
import type { Catalog, PlayStreamEvent } from '../catalog/types.ts';
import { compareStreamIds } from '../catalog/play-stream-statements.ts';
import type { StoreLogger } from '../storage/types.ts';
import { PLAY_STREAM, type PlayStreamReader } from './types.ts';

export interface PlayStreamReaderOptions {
  url: string;
  catalog: Catalog;
  logger: StoreLogger;
  stream?: string;
  /** Longest wait on one XREAD; also how long `stop` may wait for it. */
  blockMs?: number;
  /** Entries per read. */
  count?: number;
}

type StreamReply = Array<[key: string, entries: Array<[id: string, fields: string[]]>]> | null;

export function followPlayStream({ url, catalog, logger, stream = PLAY_STREAM, blockMs = 1000, count = 500 }: PlayStreamReaderOptions): PlayStreamReader {
  // Its own connection: a blocking read holds it. Commands wait for a reconnect (offline queue).
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: null, retryStrategy: (times) => Math.min(100 * times, 1000) });
  redis.on('error', (error: Error) => logger.debug({ err: error }, 'play stream reader: redis unavailable'));
  let stopped = false;
  let applied = 0;
  let checkTrim = true;
  // Readers waiting for the stream's tail as it was when they asked.
  const waiting: Array<{ until: string | null; resolve: () => void }> = [];

  const positionOrStart = (): string => catalog.playStreamPosition(stream) ?? '0-0';

  async function warnIfTrimmed(position: string | null): Promise<void> {
    const first = (await redis.xrange(stream, '-', '+', 'COUNT', 1))[0]?.[0] ?? null;
    if (position === null || first === null || compareStreamIds(first, position) <= 0) return;
    // Our last entry is gone and the oldest one kept is later: anything between was trimmed.
    if ((await redis.xrange(stream, position, position)).length > 0) return;
    logger.warn({ stream, position, oldestKept: first }, 'play stream was trimmed past this node\'s position: plays sent between the two are not counted here');
  }

  function release(): void {
    const position = catalog.playStreamPosition(stream);
    for (const waiter of waiting.splice(0)) {
      if (waiter.until === null || (position !== null && compareStreamIds(position, waiter.until) >= 0)) waiter.resolve();
      else waiting.push(waiter);
    }
  }

  const loop = (async () => {
    await redis.connect().catch(() => undefined);
    while (!stopped) {
      try {
        if (checkTrim) {
          await warnIfTrimmed(catalog.playStreamPosition(stream));
          checkTrim = false;
        }
        const reply = (await redis.xread('COUNT', count, 'BLOCK', blockMs, 'STREAMS', stream, positionOrStart())) as StreamReply;
        const entries = reply?.[0]?.[1] ?? [];
        if (entries.length > 0) {
          const events = entries.map(([id, fields]) => eventOf(id, fields, logger));
          applied += catalog.applyPlayEvents(stream, events);
        }
        if (entries.length < count) release();
      } catch (error) {
        if (stopped) break;
        logger.warn({ err: error }, 'could not read the play stream; retrying');
        checkTrim = true;
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    }
  })();

  return {
    status: () => ({ applied, position: catalog.playStreamPosition(stream) }),
    async caughtUp() {
      const last = await redis.xrevrange(stream, '+', '-', 'COUNT', 1);
      const until = last[0]?.[0] ?? null;
      await new Promise<void>((resolve) => {
        waiting.push({ until, resolve });
      });
    },
    async stop() {
      stopped = true;
      redis.disconnect();
      // A read queued while Redis was away may never settle once disconnected: do not wait on it.
      await Promise.race([loop, new Promise((resolve) => setTimeout(resolve, blockMs + 1000).unref())]);
      for (const waiter of waiting.splice(0)) waiter.resolve();
    },
  };
}

/** An entry as the producer writes it; a malformed one counts nothing but still moves the position. */
function eventOf(id: string, fields: string[], logger: StoreLogger): PlayStreamEvent {
  // Fields come as name, value pairs: look at names only (a value may read "counts" too).
  const at = fields.findIndex((field, index) => index % 2 === 0 && field === 'counts');
  try {
    const parsed = JSON.parse(fields[at + 1] ?? '[]') as unknown;
    if (at >= 0 && Array.isArray(parsed)) {
      const counts = parsed.filter(
        (item): item is { isrc: string; plays: number } =>
          typeof item === 'object' && item !== null && typeof item.isrc === 'string' && Number.isInteger(item.plays) && item.plays > 0,
      );
      return { id, counts };
    }
  } catch {
    // reported below
  }
  logger.warn({ id }, 'play stream entry without readable counts: skipped');
  return { id, counts: [] };
}
