// The sending half of shared plays: counted plays go to the Redis stream as one entry per batch
// (XADD … MAXLEN ~ N, so the stream stays bounded). Grants never wait on Redis: a batch Redis does
// not take is merged into the counts held here and offered again every `retryMs`, so plays counted
// while Redis is down are sent when it is back. Held counts are bounded by tracks, not plays.

import { hostname } from 'node:os';
import { Redis } from 'ioredis';
import { DEFAULT_PLAY_STREAM_MAX_LEN, PLAY_STREAM, type PlayCounts, type PlayStreamProducer, type PlayStreamProducerOptions } from './types.ts';

export function createPlayStreamProducer({
  url,
  logger,
  stream = PLAY_STREAM,
  maxLen = DEFAULT_PLAY_STREAM_MAX_LEN,
  maxPendingTracks = 100_000,
  retryMs = 1000,
  node = `${hostname()}/${process.pid}`,
}: PlayStreamProducerOptions): PlayStreamProducer {
  // Fail fast while Redis is away (no offline queue, one try): the counts wait here instead.
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: false, retryStrategy: (times) => Math.min(100 * times, 1000) });
  redis.on('error', (error: Error) => logger.debug({ err: error }, 'play stream: redis unavailable'));
  void redis.connect().catch(() => undefined);

  let held = new Map<string, number>();
  let sending: Promise<void> | null = null;
  let inFlight = 0;
  let sent = 0;
  let dropped = 0;
  let failing = false;
  let closed = false;

  const heldPlays = (): number => [...held.values()].reduce((sum, plays) => sum + plays, 0);

  function hold(counts: PlayCounts): void {
    for (const { isrc, plays } of counts) {
      if (plays <= 0) continue;
      if (!held.has(isrc) && held.size >= maxPendingTracks) {
        dropped += plays;
        continue;
      }
      held.set(isrc, (held.get(isrc) ?? 0) + plays);
    }
  }

  async function sendHeld(): Promise<void> {
    if (held.size === 0) return;
    const batch = held;
    held = new Map();
    const counts = [...batch].map(([isrc, plays]) => ({ isrc, plays }));
    const plays = counts.reduce((sum, count) => sum + count.plays, 0);
    inFlight += plays;
    try {
      await redis.xadd(stream, 'MAXLEN', '~', String(maxLen), '*', 'node', node, 'counts', JSON.stringify(counts));
      sent += plays;
      if (failing) logger.info({ plays: sent }, 'play stream: redis is back, held plays sent');
      failing = false;
    } catch (error) {
      // Held again and retried. (A reply lost after Redis took the entry sends it twice: one batch, rare.)
      hold(counts);
      if (!failing) logger.warn({ err: error, heldTracks: held.size }, 'play stream: redis did not take the plays; holding them until it is back');
      failing = true;
    } finally {
      inFlight -= plays;
    }
  }

  function trigger(): void {
    if (sending || closed) return;
    sending = sendHeld().finally(() => {
      sending = null;
    });
  }

  const retry = setInterval(() => {
    if (held.size > 0) trigger();
  }, retryMs);
  retry.unref();

  return {
    send(counts) {
      hold(counts);
      trigger();
    },
    status: () => ({ sent, pending: heldPlays() + inFlight, dropped }),
    async close() {
      clearInterval(retry);
      await sending;
      closed = true;
      if (held.size > 0 && redis.status === 'ready') await sendHeld();
      const lost = heldPlays();
      if (lost > 0) {
        dropped += lost;
        logger.warn({ plays: lost, tracks: held.size }, 'play stream: redis is away at shutdown; these plays are not counted on any node');
      }
      held = new Map();
      redis.disconnect();
    },
  };
}
