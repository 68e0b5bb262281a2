// The optional `rights` of a JSON delivery, on the release and/or on a track, mapped onto the one
// rights model (listeners/rights-model.ts). A track's fields override the release's field by
// field; whatever neither says keeps the old meaning: `release.territories`, from the release
// date 00:00 UTC, no end, every tier.

import { releaseRights } from '../catalog/default-rights.ts';
import type { ReleaseRecord } from '../catalog/types.ts';
import type { TrackRights } from '../listeners/rights-model.ts';
import { isCalendarDate } from './identifiers.ts';
import { WORLDWIDE, isTerritory } from './territories.ts';

/** As written in a delivery (the schema has already checked the shapes). */
export interface RawRights {
  territories?: string[];
  excludedTerritories?: string[];
  /** `YYYY-MM-DD` (00:00 UTC) or an ISO-8601 date-time with `Z` or an offset. */
  startsAt?: string;
  endsAt?: string;
  tiers?: string[];
}

export interface RightsProblem {
  where: string;
  message: string;
}

const DATE_TIME = /^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(Z|[+-](\d{2}):(\d{2}))$/;

/**
 * An instant as ISO-8601 UTC, or null when `value` is not a real one: a date (its 00:00 UTC) or a
 * date-time with a zone. Impossible fields (Feb 30, 24:00, minute 60) are refused, not rolled over.
 */
export function parseInstant(value: string): string | null {
  if (isCalendarDate(value)) return `${value}T00:00:00.000Z`;
  const match = DATE_TIME.exec(value);
  if (!match || !isCalendarDate(match[1]!)) return null;
  const [hours, minutes, seconds = '0'] = [match[2]!, match[3]!, match[4]];
  if (Number(hours) > 23 || Number(minutes) > 59 || Number(seconds) > 59) return null;
  if (match[7] !== undefined && (Number(match[7]) > 23 || Number(match[8]) > 59)) return null;
  const time = Date.parse(value);
  return Number.isFinite(time) ? new Date(time).toISOString() : null;
}

function territoryProblems(codes: string[] | undefined, where: string, excluded: boolean): RightsProblem[] {
  if (!codes) return [];
  const problems: RightsProblem[] = [];
  codes.forEach((code, i) => {
    if (excluded && code === WORLDWIDE) problems.push({ where: `${where}[${i}]`, message: 'WW cannot be excluded' });
    else if (!isTerritory(code)) problems.push({ where: `${where}[${i}]`, message: `${code} is not an ISO 3166-1 country code` });
  });
  if (!excluded && codes.includes(WORLDWIDE) && codes.length > 1) problems.push({ where, message: 'WW (worldwide) cannot be combined with country codes' });
  return problems;
}

/** Each problem of one `rights` object, named under `where` (`release.rights`, `tracks[1] (ISRC).rights`). */
function ownProblems(rights: RawRights | undefined, where: string): RightsProblem[] {
  if (!rights) return [];
  const problems = [
    ...territoryProblems(rights.territories, `${where}.territories`, false),
    ...territoryProblems(rights.excludedTerritories, `${where}.excludedTerritories`, true),
  ];
  for (const field of ['startsAt', 'endsAt'] as const) {
    const value = rights[field];
    if (value !== undefined && parseInstant(value) === null) {
      problems.push({ where: `${where}.${field}`, message: `${JSON.stringify(value)} is not a real date (YYYY-MM-DD) or date-time with a zone (2026-11-01T00:00:00Z)` });
    }
  }
  return problems;
}

/**
 * The rights of every track, or the problems found (release and track fields each checked, then
 * each track's merged window: its end must come after its start).
 */
export function deliveryRights(
  release: Pick<ReleaseRecord, 'territories' | 'releaseDate'> & { rights?: RawRights },
  tracks: ReadonlyArray<{ isrc: string; rights?: RawRights }>,
): { rights: TrackRights[]; problems: RightsProblem[] } {
  const problems = ownProblems(release.rights, 'release.rights');
  const rights = tracks.map((track, i) => {
    const where = `tracks[${i}] (${track.isrc}).rights`;
    problems.push(...ownProblems(track.rights, where));
    const merged = resolveRights(release, track.rights);
    if (merged.endsAt !== null && merged.endsAt !== '' && merged.startsAt !== '' && merged.endsAt <= merged.startsAt) {
      const from = track.rights?.endsAt !== undefined || track.rights?.startsAt !== undefined ? where : 'release.rights';
      problems.push({ where: `${from}.endsAt`, message: `${merged.endsAt} is not after the start ${merged.startsAt}` });
    }
    return merged;
  });
  // One window problem per release, not one per track, when the release's own window is wrong.
  const unique = problems.filter((problem, i) => problems.findIndex((other) => other.where === problem.where && other.message === problem.message) === i);
  return { rights, problems: unique };
}

/** Track over release over the old defaults; an unparseable instant becomes '' (reported above). */
function resolveRights(release: Pick<ReleaseRecord, 'territories' | 'releaseDate'> & { rights?: RawRights }, track: RawRights | undefined): TrackRights {
  const base = releaseRights(release);
  const pick = <K extends keyof RawRights>(key: K): RawRights[K] => track?.[key] ?? release.rights?.[key];
  const startsAt = pick('startsAt');
  const endsAt = pick('endsAt');
  return {
    territories: pick('territories') ?? base.territories,
    excludedTerritories: pick('excludedTerritories') ?? [],
    startsAt: startsAt === undefined ? base.startsAt : (parseInstant(startsAt) ?? ''),
    endsAt: endsAt === undefined ? null : (parseInstant(endsAt) ?? ''),
    tiers: pick('tiers') ?? null,
  };
}
