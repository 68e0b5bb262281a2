// A job's id says what it will produce, so adding the same track twice is one job (BullMQ ignores
// an add whose id exists): the ISRC, the version id (master bytes + packaging settings, as the
// pipeline names versions) and a hash of the facts (a corrected title is a different job) and of
// the track's rights (a DDEX update that only changes a deal is a different job too: otherwise
// it would join the finished job of the earlier message and run again with the old deal).

import { createHash } from 'node:crypto';
import type { TrackIngestInput } from '../pipeline/track-ingest.ts';
import { trackRecord } from '../pipeline/track-ingest.ts';

/**
 * `<isrc>-<version>-<facts>`. The version id is the enqueuer's view (its ffmpeg build); a worker
 * with another build publishes under its own version id, and the job id stays a stable key.
 * BullMQ ids may not contain `:`, and must not be plain integers: these are neither.
 */
export function trackJobId(input: TrackIngestInput, version: string): string {
  const facts = createHash('sha256')
    // `rights` is absent for tracks licensed by the release alone (JSON deliveries): their ids do not change.
    .update(canonicalJson({ release: input.release, track: trackRecord(input.track, input.release), rights: input.track.rights }))
    .digest('hex')
    .slice(0, 12);
  return `${input.track.isrc}-${version}-${facts}`;
}

/** JSON with object keys sorted, so the same facts always hash the same. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) =>
    item && typeof item === 'object' && !Array.isArray(item)
      ? Object.fromEntries(Object.entries(item as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : item,
  );
}
