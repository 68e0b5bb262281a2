// The sending half of shared plays: counted plays go to the Redis stream as one entry per batch
// (XADD … MAXLEN ~ N, so the stream stays bounded). Grants never wait on Redis: plays counted while
// Redis is away are held here and offered again every `retryMs`. Held counts are bounded by tracks.
//
// Exactly once: each batch has an id, and a script appends it only if that id was not appended
// before (a `SET NX` marker kept a day, in the same atomic step as the XADD). A batch whose reply
// was lost is "in doubt" and is offered again as it was — same id, same counts — before any newer
// counts go out, so Redis taking it twice cannot count it twice.

import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { Redis } from 'ioredis';
import { DEFAULT_PLAY_STREAM_MAX_LEN, PLAY_STREAM, type PlayCounts, type PlayStreamProducer, type PlayStreamProducerOptions } from './types.ts';

/** How long a batch id is remembered: longer than any outage its in-doubt batch could wait out. */
const BATCH_MARKER_SECONDS = 24 * 60 * 60;

// KEYS: stream, batch marker. ARGV: marker seconds, max length, node, batch id, counts JSON.
// Returns 1 when appended now, 0 when this batch was appended before.
const APPEND_ONCE = `
if redis.call('SET', KEYS[2], '1', 'NX', 'EX', ARGV[1]) then
  redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[2], '*', 'node', ARGV[3], 'batch', ARGV[4], 'counts', ARGV[5])
  return 1
end
return 0`;

interface Batch {
  id: string;
  counts: PlayCounts;
  plays: number;
}

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
  /** Sent, outcome unknown: offered again unchanged before anything newer. */
  let inDoubt: Batch | null = null;
  let sending: Promise<void> | null = null;
  let sent = 0;
  let dropped = 0;
  let failing = false;
  let closed = false;

  const heldPlays = (): number => [...held.values()].reduce((sum, plays) => sum + plays, 0);
  const unsentPlays = (): number => heldPlays() + (inDoubt?.plays ?? 0);

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

  function takeHeld(): Batch {
    const counts = [...held].map(([isrc, plays]) => ({ isrc, plays }));
    held = new Map();
    return { id: randomUUID(), counts, plays: counts.reduce((sum, count) => sum + count.plays, 0) };
  }

  async function append(batch: Batch): Promise<void> {
    await redis.eval(APPEND_ONCE, 2, stream, `${stream}:batch:${batch.id}`, BATCH_MARKER_SECONDS, String(maxLen), node, batch.id, JSON.stringify(batch.counts));
  }

  /** Sends the batch in doubt, then what is held, until nothing is left or Redis fails. */
  async function sendPending(): Promise<void> {
    while (inDoubt || held.size > 0) {
      inDoubt ??= takeHeld();
      try {
        await append(inDoubt);
      } catch (error) {
        if (!failing) logger.warn({ err: error, heldTracks: held.size + inDoubt.counts.length }, 'play stream: redis did not take the plays; holding them until it is back');
        failing = true;
        return;
      }
      sent += inDoubt.plays;
      inDoubt = null;
      if (failing) logger.info({ plays: sent }, 'play stream: redis is back, held plays sent');
      failing = false;
    }
  }

  function trigger(): void {
    if (sending || closed) return;
    sending = sendPending().finally(() => {
      sending = null;
    });
  }

  const retry = setInterval(() => {
    if (inDoubt || held.size > 0) trigger();
  }, retryMs);
  retry.unref();

  return {
    send(counts) {
      hold(counts);
      trigger();
    },
    status: () => ({ sent, pending: unsentPlays(), dropped }),
    async close() {
      clearInterval(retry);
      await sending;
      closed = true;
      if ((inDoubt || held.size > 0) && redis.status === 'ready') await sendPending();
      const lost = unsentPlays();
      if (lost > 0) {
        dropped += lost;
        // An in-doubt batch may have reached the stream; the rest certainly did not.
        logger.warn({ plays: lost, tracks: held.size + (inDoubt?.counts.length ?? 0) }, 'play stream: redis is away at shutdown; these plays are not counted on any node');
      }
      held = new Map();
      inDoubt = null;
      redis.disconnect();
    },
  };
}
