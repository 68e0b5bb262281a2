// Which release a DDEX message is about, decided once by the ingest from its catalog caught up with
// the journal. A release is known by every identifier any applied message gave it (its id, and
// ReleaseRecord.aliases): a message naming one of them is about that release, and keeps its id for
// good, so its keys (`releases/{id}/…`, `ddex-messages/{id}/…`), URLs and journal stay valid and
// its messages are ordered against one message log. The identifiers the message adds are recorded
// with its facts (journalled and stored), so every node and every reindex learns them. A message
// whose identifiers name two different releases is refused: merging releases is not a delivery's call.

import { GRID_PREFIX, mergeAliases } from '../catalog/release-id.ts';
import type { Catalog } from '../catalog/types.ts';
import type { ReleaseKey } from '../ddex/types.ts';
import type { DdexLoad } from './ddex-delivery.ts';
import type { DeliveryProblem } from './delivery-model.ts';

/** The problem code of a message whose identifiers name two different releases. */
export const RELEASE_ID_CONFLICT = 'RELEASE_ID_CONFLICT';

/** What choosing a release reads of the catalog. */
export type ReleaseNames = Pick<Catalog, 'resolveRelease' | 'getRelease'>;

export type ReleaseChoice =
  /** `upc`: the release's id (known, or the message's first id for a new release); `aliases`: all its other ids after this message. */
  | { ok: true; upc: string; aliases: string[]; known: boolean }
  | { ok: false; problem: DeliveryProblem };

/** The release the message's identifiers (`knownAs`, the release's id first) name in `catalog`. */
export function chooseRelease(catalog: ReleaseNames, knownAs: readonly ReleaseKey[]): ReleaseChoice {
  const named = knownAs.map((key) => ({ ...key, release: catalog.resolveRelease(key.id) }));
  const known = named.filter((each): each is ReleaseKey & { release: string } => each.release !== null);
  const other = known.find((each) => each.release !== known[0]?.release);
  if (other) {
    const first = known[0]!;
    return {
      ok: false,
      problem: {
        where: other.location,
        code: RELEASE_ID_CONFLICT,
        message: `${describe(first)} is release ${first.release}, but ${describe(other)} is release ${other.release}: one message names two different releases, which are not merged; deliver each release's own identifiers`,
      },
    };
  }
  const upc = known[0]?.release ?? knownAs[0]!.id;
  const aliases = mergeAliases(upc, knownAs.map((key) => key.id), catalog.getRelease(upc)?.aliases);
  return { ok: true, upc, aliases, known: known.length > 0 };
}

/** The message as applied to the chosen release: its id and every id it is known by. */
export function onChosenRelease(load: DdexLoad, choice: Extract<ReleaseChoice, { ok: true }>): DdexLoad {
  if (load.kind === 'purge') return { ...load, upc: choice.upc };
  const { aliases: _, ...release } = load.delivery.release;
  return { ...load, delivery: { ...load.delivery, release: { ...release, upc: choice.upc, ...(choice.aliases.length > 0 ? { aliases: choice.aliases } : {}) } } };
}

/** `GRid A12425GABC1234002M (/…/ReleaseId/GRid)`: the identifier as the message wrote it (a GRid without its id prefix). */
function describe({ id, location }: ReleaseKey): string {
  const element = location.slice(location.lastIndexOf('/') + 1);
  return `${element} ${id.startsWith(GRID_PREFIX) ? id.slice(GRID_PREFIX.length) : id} (${location})`;
}
