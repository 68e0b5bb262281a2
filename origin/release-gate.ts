// The cover route's takedown check: is the whole release taken down (listeners/release-takedown.ts)?
// Covers are hot (every track and search answer carries one), so a release's takedowns are read
// from the catalog at most once per `maxAgeMs`, the same bound and setting as the media path's
// availability gate (availability-gate.ts): a takedown or restore is seen within it. The read is
// this node's own catalog, which a following node keeps current from the journal.

import type { Takedown } from '../listeners/rights-model.ts';
import { type ReleaseRefusal, refuseRelease } from '../listeners/release-takedown.ts';
import { DEFAULT_AVAILABILITY_MAX_AGE_MS } from './availability-gate.ts';

/** Releases remembered at once; past it the oldest read is dropped. */
const MAX_RELEASES = 10_000;

export interface ReleaseGateOptions {
  /** The catalog read (Catalog.releaseTakedowns, synchronous). */
  read: (upc: string) => ReadonlyArray<Takedown | null>;
  maxAgeMs?: number;
}

export interface ReleaseGate {
  /** Null while the release has a track that is not taken down. */
  refuse(upc: string, now: Date): ReleaseRefusal | null;
}

export function createReleaseGate({ read, maxAgeMs = DEFAULT_AVAILABILITY_MAX_AGE_MS }: ReleaseGateOptions): ReleaseGate {
  const memos = new Map<string, { readAt: number; refusal: ReleaseRefusal | null }>();
  return {
    refuse(upc, now) {
      const at = now.getTime();
      const memo = memos.get(upc);
      // A clock that went backwards reads again too.
      if (memo && at - memo.readAt < maxAgeMs && at >= memo.readAt) return memo.refusal;
      const refusal = refuseRelease(upc, read(upc));
      memos.delete(upc); // re-inserted last, so the oldest read is the first key
      if (memos.size >= MAX_RELEASES) memos.delete(memos.keys().next().value!);
      memos.set(upc, { readAt: at, refusal });
      return refusal;
    },
  };
}
