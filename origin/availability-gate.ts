// The media path's rights check: is this track streamable right now? Tokens issued before a
// takedown or an end date must stop working within seconds, not when they expire, and the paths
// media-handler.ts remembers must not keep them alive. The hot path cannot ask SQLite per
// request (a CDN pulls ~170 objects per track and window, players re-request ranges), so each
// track's availability is read from the catalog at most once per `maxAgeMs` and the times are
// compared on every request: a takedown is seen within `maxAgeMs`, an end date at the millisecond.

import type { TrackAvailability } from '../catalog/types.ts';
import { type RightsRefusal, refuseAtTime } from '../listeners/rights-decision.ts';

/** How stale a track's availability may be on the media path: the takedown guarantee's bound. */
export const DEFAULT_AVAILABILITY_MAX_AGE_MS = 1000;
/** Tracks remembered at once (a few hundred bytes each); past it the oldest read is dropped. */
const MAX_TRACKS = 100_000;

interface Memo {
  readAt: number;
  availability: TrackAvailability | null;
  /** Epoch ms of the window in which nothing needs a closer look: start ≤ now < end, not down. */
  from: number;
  until: number;
}

export interface AvailabilityGateOptions {
  /** The catalog read (synchronous: better-sqlite3). */
  read: (isrc: string) => TrackAvailability | null;
  maxAgeMs?: number;
}

/** What media-handler.ts asks on every media request. */
export interface AvailabilityGate {
  /** Null when the track is streamable at `now`. */
  refuse(isrc: string, now: Date): RightsRefusal | null;
  /**
   * Epoch seconds at which the track stops being streamable (its end date), Infinity when
   * open-ended: shared caches must not keep its objects past it (s-maxage). Ask after `refuse`.
   */
  streamableUntil(isrc: string): number;
}

export function createAvailabilityGate({ read, maxAgeMs = DEFAULT_AVAILABILITY_MAX_AGE_MS }: AvailabilityGateOptions): AvailabilityGate {
  const memos = new Map<string, Memo>();

  function fresh(isrc: string, at: number): Memo {
    const availability = read(isrc);
    const streamable = availability !== null && availability.takedown === null;
    const memo: Memo = {
      readAt: at,
      availability,
      from: streamable ? Date.parse(availability.rights.startsAt) : Infinity,
      until: streamable && availability.rights.endsAt !== null ? Date.parse(availability.rights.endsAt) : streamable ? Infinity : -Infinity,
    };
    memos.delete(isrc); // re-inserted last, so the oldest read is the first key
    if (memos.size >= MAX_TRACKS) memos.delete(memos.keys().next().value!);
    memos.set(isrc, memo);
    return memo;
  }

  return {
    refuse(isrc, now) {
      const at = now.getTime();
      let memo = memos.get(isrc);
      // A clock that went backwards reads again too.
      if (!memo || at - memo.readAt >= maxAgeMs || at < memo.readAt) memo = fresh(isrc, at);
      if (at >= memo.from && at < memo.until) return null;
      return refuseAtTime(isrc, memo.availability, now);
    },
    streamableUntil(isrc) {
      const until = memos.get(isrc)?.until ?? Infinity;
      return until === Infinity ? Infinity : Math.max(0, until / 1000);
    },
  };
}
