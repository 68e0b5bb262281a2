// Nudges over Redis pub/sub: a writer announces each entry it appended, and every following node
// catches up at once instead of at its next poll. Best effort by design: a lost nudge only costs
// one poll interval, so Redis being down never stops publishing or following.

import { Redis } from 'ioredis';
import type { StoreLogger } from '../storage/types.ts';

export const JOURNAL_CHANNEL = 'cadence:journal';

export interface JournalNudges {
  announce(number: number): Promise<void>;
  /** `nudge` gets the announced entry's number (none after a reconnect). */
  subscribe(nudge: (number?: number) => void): () => void;
  close(): Promise<void>;
}

export function redisJournalNudges(url: string, logger: StoreLogger): JournalNudges {
  // Commands fail fast while Redis is away instead of queueing up behind the reconnect.
  const options = { lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: false } as const;
  const publisher = new Redis(url, options);
  let subscriber: Redis | null = null;
  const quiet = (role: string) => (error: Error) => logger.debug({ err: error, role }, 'journal nudges: redis unavailable');
  publisher.on('error', quiet('publisher'));
  void publisher.connect().catch(quiet('publisher'));

  return {
    async announce(number) {
      await publisher.publish(JOURNAL_CHANNEL, String(number)).catch(quiet('publisher'));
    },
    subscribe(nudge) {
      subscriber = new Redis(url, { lazyConnect: true });
      subscriber.on('error', quiet('subscriber'));
      subscriber.on('message', (_channel: string, message: string) => nudge(Number(message)));
      // Subscribed again after every reconnect (ioredis re-subscribes its channels), and nudged
      // then too: entries announced while it was away were missed.
      subscriber.on('ready', () => nudge());
      void subscriber.connect().then(() => subscriber?.subscribe(JOURNAL_CHANNEL)).catch(quiet('subscriber'));
      return () => {
        subscriber?.disconnect();
        subscriber = null;
      };
    },
    async close() {
      subscriber?.disconnect();
      publisher.disconnect();
    },
  };
}
