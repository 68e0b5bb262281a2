// A release's id: the one key the catalog, object storage (`releases/{id}/…`, `ddex-messages/{id}/…`),
// the routes (`/v1/releases/{id}/cover`) and the CLI (`--upc`, `--release`) know a release by.
// It is the release's ICPN (UPC-A / EAN-13) when it has one. A DDEX release delivered without an
// ICPN is known by its GRid, `grid:A12425GABC1234002M`, or lacking that by its proprietary id,
// `proprietary:PADPIDA2014120301U:CAT-0042` (the namespace is the issuer's DPID). The prefixes keep
// the three kinds apart and every id safe as a path segment and an object key as it stands (no
// escaping anywhere). Fields and columns named `upc` hold this id: the name predates GRid keys and
// is part of the contract.

import type { ReleaseRecord } from './types.ts';

export const GRID_PREFIX = 'grid:';
export const PROPRIETARY_PREFIX = 'proprietary:';

const ICPN_SHAPE = /^[0-9]{12,13}$/;
const GRID_SHAPE = /^A1[0-9A-Z]{16}$/;
/** A proprietary namespace or value usable in an id: nothing that needs escaping in a URL or key. */
const PROPRIETARY_PART = /^[A-Za-z0-9._-]{1,64}$/;

export interface ProprietaryReleaseId {
  namespace: string;
  value: string;
}

/** What a release id says about the release: one of the three is set. */
export interface ReleaseIdParts {
  upc: string | null;
  grid: string | null;
  proprietaryId: ProprietaryReleaseId | null;
}

/** `grid:` + the GRid without hyphens (checked by the caller). */
export function gridReleaseId(compactGrid: string): string {
  return `${GRID_PREFIX}${compactGrid}`;
}

/** The id of a release known by a proprietary id, or null when its namespace or value cannot be one. */
export function proprietaryReleaseId(namespace: string | null, value: string): string | null {
  if (!namespace || !isProprietaryPart(namespace) || !isProprietaryPart(value)) return null;
  return `${PROPRIETARY_PREFIX}${namespace}:${value}`;
}

export function isProprietaryPart(text: string): boolean {
  return PROPRIETARY_PART.test(text);
}

/** The parts of a well-formed id, or null when `id` is not one (shape only: check digits are the parser's). */
export function releaseIdParts(id: string): ReleaseIdParts | null {
  if (ICPN_SHAPE.test(id)) return { upc: id, grid: null, proprietaryId: null };
  if (id.startsWith(GRID_PREFIX)) {
    const grid = id.slice(GRID_PREFIX.length);
    return GRID_SHAPE.test(grid) ? { upc: null, grid, proprietaryId: null } : null;
  }
  if (id.startsWith(PROPRIETARY_PREFIX)) {
    const [namespace, value, ...rest] = id.slice(PROPRIETARY_PREFIX.length).split(':');
    if (rest.length > 0 || namespace === undefined || value === undefined) return null;
    return isProprietaryPart(namespace) && isProprietaryPart(value) ? { upc: null, grid: null, proprietaryId: { namespace, value } } : null;
  }
  return null;
}

export function isReleaseIdShape(id: string): boolean {
  return releaseIdParts(id) !== null;
}

/** The UPC/EAN in an id, or null for a release known by GRid or proprietary id. */
export function upcOf(id: string): string | null {
  return ICPN_SHAPE.test(id) ? id : null;
}

/**
 * The spellings of one id: a 12-digit UPC-A is the same GTIN as the 13-digit EAN that adds a
 * leading 0 (labels and distributors send either), so each finds a release known by the other.
 * Any other id has one spelling.
 */
export function sameIdForms(id: string): string[] {
  if (/^\d{12}$/.test(id)) return [id, `0${id}`];
  if (/^0\d{12}$/.test(id)) return [id, id.slice(1)];
  return [id];
}

/**
 * How answers name a release: its id, and what it and its other ids (ReleaseRecord.aliases) say:
 * `upc` is the ICPN whichever of them carries it (null when none does), likewise `grid` and
 * `proprietaryId` (the id's own first).
 */
export function releaseIdentity(id: string, aliases: readonly string[] = []): { id: string } & ReleaseIdParts {
  const parts = [id, ...aliases].map(releaseIdParts).filter((each): each is ReleaseIdParts => each !== null);
  return {
    id,
    upc: parts.find((each) => each.upc)?.upc ?? null,
    grid: parts.find((each) => each.grid)?.grid ?? null,
    proprietaryId: parts.find((each) => each.proprietaryId)?.proprietaryId ?? null,
  };
}

/** A release's aliases from these lists of ids: each once, sorted, never the release's own id `upc`. */
export function mergeAliases(upc: string, ...lists: ReadonlyArray<readonly string[] | undefined>): string[] {
  return [...new Set(lists.flatMap((list) => list ?? []))].filter((id) => id !== upc).sort();
}

/** `release` with `known` aliases added (ReleaseRecord.aliases; none: no field). */
export function withKnownAliases(release: ReleaseRecord, known: readonly string[] = []): ReleaseRecord {
  const aliases = mergeAliases(release.upc, release.aliases, known);
  return aliases.length > 0 ? { ...release, aliases } : release;
}
