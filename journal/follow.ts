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
  /** Calls `nudge` when another process announces an entry; returns an unsubscribe. */
  subscribe?(nudge: () => void): () => void;
}

export interface Following {
  /** Resolves after the catalog applied everything the journal had when this was called. */
  caughtUp(): Promise<void>;
  stop(): Promise<void>;
}

export function followJournal({ store, catalog, pollMs, logger, subscribe }: FollowOptions): Following {
  let stopped = false;
  let wake: (() => void) | null = null;
  let pending = true;
  const nudge = (): void => {
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
