// An origin node following the publish journal: catch up now, then whenever nudged (Redis pub/sub,
// at once) or the poll interval passes (the fallback when a nudge is lost or Redis is down).

import type { Catalog } from '../catalog/types.ts';
import type { ObjectStore, StoreLogger } from '../storage/types.ts';
import { catchUp } from './catch-up.ts';

export interface FollowOptions {
  store: ObjectStore;
  catalog: Catalog;
  pollMs: number;
  logger: StoreLogger;
  /** Calls `nudge` when another process announces an entry (with its number); returns an unsubscribe. */
  subscribe?(nudge: (number?: number) => void): () => void;
  /** Clock in ms for the status times. */
  now?: () => number;
}

/** Where a follower stands, for metrics: read at any time. */
export interface FollowStatus {
  /** Entries this follower applied since it started. */
  applied: number;
  /** The newest entry number in this catalog. */
  position: number;
  /** The newest entry number this follower knows exists (announced, or applied). */
  newestSeen: number;
  /** When this follower last applied an entry, and last read the journal successfully (ms), or null. */
  lastAppliedAt: number | null;
  lastPollAt: number | null;
}

export interface Following {
  /** Resolves after the catalog applied everything the journal had when this was called. */
  caughtUp(): Promise<void>;
  stop(): Promise<void>;
  status(): FollowStatus;
}

export function followJournal({ store, catalog, pollMs, logger, subscribe, now = Date.now }: FollowOptions): Following {
  let stopped = false;
  let wake: (() => void) | null = null;
  let pending = true;
  const seen = { applied: 0, announced: 0, lastAppliedAt: null as number | null, lastPollAt: null as number | null };
  const nudge = (number?: number): void => {
    if (number !== undefined && Number.isInteger(number) && number > seen.announced) seen.announced = number;
    pending = true;
    wake?.();
  };
  const unsubscribe = subscribe?.(nudge) ?? (() => {});
  // Rounds started so far: a caller waiting to be caught up needs a round that began after it asked.
  let started = 0;
  const roundListeners: Array<{ after: number; resolve: () => void }> = [];

  const loop = (async () => {
    while (!stopped) {
      pending = false;
      const round = ++started;
      try {
        const applied = await catchUp({ store, catalog });
        seen.lastPollAt = now();
        if (applied > 0) {
          seen.applied += applied;
          seen.lastAppliedAt = seen.lastPollAt;
        }
        if (applied > 0) logger.info({ applied, position: catalog.journalPosition().number }, 'journal entries applied');
      } catch (error) {
        logger.error({ err: error }, 'could not follow the publish journal; retrying');
      }
      for (const listener of roundListeners.splice(0)) (listener.after < round ? listener.resolve() : roundListeners.push(listener));
      if (stopped || pending) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, pollMs);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = null;
    }
  })();

  return {
    status() {
      const position = catalog.journalPosition().number;
      return { applied: seen.applied, position, newestSeen: Math.max(position, seen.announced), lastAppliedAt: seen.lastAppliedAt, lastPollAt: seen.lastPollAt };
    },
    caughtUp() {
      const after = started;
      nudge();
      return new Promise((resolve) => roundListeners.push({ after, resolve }));
    },
    async stop() {
      stopped = true;
      unsubscribe();
      wake?.();
      await loop;
      for (const listener of roundListeners.splice(0)) listener.resolve();
    },
  };
}
