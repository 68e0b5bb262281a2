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

/** What the gate reads of a release: its tracks' takedowns, and when its last track's rights end. */
export interface ReleaseStanding {
  /** Catalog.releaseTakedowns. */
  takedowns: ReadonlyArray<Takedown | null>;
  /** Catalog.releaseEndsAt: null while a track is open-ended. */
  endsAt: string | null;
}

export interface ReleaseGateOptions {
  /** The catalog read (synchronous), kept at most `maxAgeMs`. */
  read: (upc: string) => ReleaseStanding;
  maxAgeMs?: number;
}

export interface ReleaseGate {
  /** Null while the release has a track that is not taken down. */
  refuse(upc: string, now: Date): ReleaseRefusal | null;
  /** Until when (epoch ms) the release's cover may be shown: its last track's rights end, or Infinity. */
  shownUntil(upc: string, now: Date): number;
}

export function createReleaseGate({ read, maxAgeMs = DEFAULT_AVAILABILITY_MAX_AGE_MS }: ReleaseGateOptions): ReleaseGate {
  const memos = new Map<string, { readAt: number; refusal: ReleaseRefusal | null; shownUntil: number }>();
  const standing = (upc: string, now: Date) => {
    const at = now.getTime();
    const memo = memos.get(upc);
    // A clock that went backwards reads again too.
    if (memo && at - memo.readAt < maxAgeMs && at >= memo.readAt) return memo;
    const { takedowns, endsAt } = read(upc);
    const fresh = { readAt: at, refusal: refuseRelease(upc, takedowns), shownUntil: endsAt === null ? Infinity : Date.parse(endsAt) };
    memos.delete(upc); // re-inserted last, so the oldest read is the first key
    if (memos.size >= MAX_RELEASES) memos.delete(memos.keys().next().value!);
    memos.set(upc, fresh);
    return fresh;
  };
  return {
    refuse: (upc, now) => standing(upc, now).refusal,
    shownUntil: (upc, now) => standing(upc, now).shownUntil,
  };
}
