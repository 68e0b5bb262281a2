// What a DDEX ingest run tells the CDN purge hook (cli/cdn-purge.ts): once, at the run's end, the
// tracks its messages took down and the covers of releases then left with no available track;
// and how the run reports that (JSON `cdnPurge`, a summary line, or the hook's CDN error).

import type { Catalog } from '../catalog/types.ts';
import { type CadenceError, isCadenceError } from '../errors/cadence-error.ts';
import type { DdexOutcome } from '../pipeline/ddex-apply.ts';
import { coverPathsToPurge, type PurgeRequest } from './cdn-purge.ts';

/** The hook's run for the run's takedowns: what it was given, or why it failed; nothing without a hook. */
export interface CdnPurge {
  purged: PurgeRequest | null;
  error: CadenceError | null;
}

export async function purgeCdn(hook: ((request: PurgeRequest) => Promise<void>) | undefined, request: PurgeRequest | null): Promise<CdnPurge> {
  if (!request || !hook) return { purged: null, error: null };
  try {
    await hook(request);
    return { purged: request, error: null };
  } catch (error) {
    if (!isCadenceError(error)) throw error;
    return { purged: null, error };
  }
}

/** `cdnPurge` only when the hook ran, as `cadence takedown --json` gives `covers` only then. */
export function cdnJson({ purged }: CdnPurge): object {
  return purged ? { cdnPurge: { isrcs: purged.isrcs, covers: purged.paths } } : {};
}

export function formatCdn({ purged }: CdnPurge): string {
  if (!purged) return '';
  const covers = purged.paths.length ? `, and ${purged.paths.length === 1 ? 'the cover' : `${purged.paths.length} covers`} of releases with no track left: ${purged.paths.join(' ')}` : '';
  return `CDN purged: ${purged.isrcs.length} taken-down track(s)${covers}\n`;
}

/**
 * What the run took down, for the purge hook, read once every message is applied: the ISRCs, and
 * the covers of releases that are then left with no available track. Null when nothing went down.
 */
export function purgeRequestOf(catalog: Catalog, outcomes: ReadonlyArray<Pick<DdexOutcome, 'takenDown' | 'upc'>>): PurgeRequest | null {
  const down = outcomes.filter((outcome) => outcome.takenDown.length > 0);
  if (down.length === 0) return null;
  const isrcs = [...new Set(down.flatMap((outcome) => outcome.takenDown))].sort();
  const paths = [...new Set(down.flatMap((outcome) => coverPathsToPurge(catalog, { isrcs: outcome.takenDown, upc: outcome.upc })))].sort();
  return { isrcs, paths };
}
