// The CDN purge hook (CADENCE_CDN_PURGE_COMMAND): what it is told, and running it.
//
// The hook gets the changed ISRCs as its last arguments (as it always has: a hook written for that
// keeps working unchanged), and in its environment CADENCE_PURGE_PATHS: space-separated URL
// paths whose cached copies must go too, whatever their query string. Today those are the covers
// (`/v1/releases/{id}/cover`) of releases the takedown left with no track available: the origin
// answers 410 for them from then on (origin/release-gate.ts), but the edge keeps a versioned
// cover for a year. Always set, empty when there is nothing, so an inherited value never leaks in.

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Catalog } from '../catalog/types.ts';
import { CadenceError } from '../errors/cadence-error.ts';
import { refuseRelease } from '../listeners/release-takedown.ts';
import { DEFAULT_AVAILABILITY_MAX_AGE_MS } from '../origin/availability-gate.ts';
import { coverPath } from '../origin/cover-path.ts';

const run = promisify(execFile);

export const PURGE_PATHS_VARIABLE = 'CADENCE_PURGE_PATHS';

/** What one run of the hook purges. */
export interface PurgeRequest {
  isrcs: string[];
  /** URL paths (CADENCE_PURGE_PATHS): the covers of releases left with no available track. */
  paths: string[];
}

/**
 * The purge waits until every origin has seen the takedown: a node following the journal applies
 * it within its poll interval (at once when nudged), and each origin process re-reads a track's
 * (and a release's) availability at least every DEFAULT_AVAILABILITY_MAX_AGE_MS. Purged any
 * sooner, an edge miss could fetch and cache the object again from an origin that has not noticed yet.
 */
export const purgeAfterMs = (journalPollMs: number): number => journalPollMs + DEFAULT_AVAILABILITY_MAX_AGE_MS + 250;

/** Waits `purgeAfterMs`, then runs the hook (CDN error when it fails). */
export async function purgeWhenSeen(command: readonly string[], request: PurgeRequest, { journalPollMs }: { journalPollMs: number }): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, purgeAfterMs(journalPollMs)));
  await runPurgeHook(command, request);
}


/**
 * The cover paths to purge after a takedown of `isrcs` (and of the release `upc`, when the command
 * named one): every release listing one of them whose every published track is now taken down
 * and that has a cover. Read from the catalog the change was applied to.
 */
export function coverPathsToPurge(catalog: Catalog, { isrcs, upc }: { isrcs: readonly string[]; upc?: string }): string[] {
  // A release named by one of its other ids (an alias): its cover is cached under its own id.
  const named = upc === undefined ? null : (catalog.resolveRelease(upc) ?? upc);
  const releases = new Set(named === null ? [] : [named]);
  for (const isrc of isrcs) for (const membership of catalog.getTrack(isrc)?.releases ?? []) releases.add(membership.upc);
  return [...releases]
    .filter((id) => catalog.getRelease(id)?.cover && refuseRelease(id, catalog.releaseTakedowns(id)) !== null)
    .sort()
    .map(coverPath);
}

/** Runs the hook (no shell); CDN naming the hook's first line of stderr when it fails. */
export async function runPurgeHook(command: readonly string[], { isrcs, paths, env = process.env }: { isrcs: readonly string[]; paths: readonly string[]; env?: NodeJS.ProcessEnv }): Promise<void> {
  const [file, ...args] = command as [string, ...string[]];
  try {
    await run(file, [...args, ...isrcs], { timeout: 120_000, env: { ...env, [PURGE_PATHS_VARIABLE]: paths.join(' ') } });
  } catch (error) {
    const { stderr, message } = error as { stderr?: string; message: string };
    throw new CadenceError('CDN', `availability changed, but the CDN purge command failed: ${(stderr?.trim() || message).split('\n')[0]}`, { cause: error });
  }
}
