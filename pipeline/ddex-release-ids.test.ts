// Which release a DDEX message is about, against a real catalog: a message naming any id the
// catalog knows for a release is that release's (its id kept, the message's ids added to its
// aliases); ids naming two releases are refused with both named; unknown ids make a new release.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openCatalog } from '../catalog/open-catalog.ts';
import { samplePublish } from '../catalog/test-support.ts';
import type { Catalog } from '../catalog/types.ts';
import type { MessageInfo, ReleaseKey } from '../ddex/types.ts';
import type { DdexPurgeLoad, DdexReleaseLoad } from './ddex-delivery.ts';
import { chooseRelease, onChosenRelease, RELEASE_ID_CONFLICT } from './ddex-release-ids.ts';

const GRID = 'grid:A12425GABC1234002M';
const ICPN = '012345678905';
const OTHER = '5012345678900';
const PROPRIETARY = 'proprietary:PADPIDA2026120301X:NLR-0042';
const AT = '/NewReleaseMessage/ReleaseList/Release[1]/ReleaseId';
const icpn = (id = ICPN): ReleaseKey => ({ id, location: `${AT}/ICPN` });
const grid: ReleaseKey = { id: GRID, location: `${AT}/GRid` };
const proprietary: ReleaseKey = { id: PROPRIETARY, location: `${AT}/ProprietaryId` };

let catalog: Catalog;
beforeEach(() => {
  catalog = openCatalog(':memory:');
  // Known: a release first delivered by its GRid alone, and another by its ICPN.
  catalog.publish(samplePublish({ upc: GRID, isrc: 'GBAYE2600001' }));
  catalog.publish(samplePublish({ upc: OTHER, isrc: 'GBAYE2600002' }));
});
afterEach(() => catalog.close());

describe('chooseRelease', () => {
  it('applies ICPN + GRid of a release known by its GRid to that release, learning the ICPN', () => {
    expect(chooseRelease(catalog, [icpn(), grid])).toEqual({ ok: true, upc: GRID, aliases: [ICPN], known: true });
  });

  it('finds the release by an alias it learned, and keeps every alias it had', () => {
    const input = samplePublish({ upc: GRID, isrc: 'GBAYE2600001' });
    catalog.publish({ ...input, release: { ...input.release, aliases: [ICPN] } });
    expect(chooseRelease(catalog, [icpn()])).toEqual({ ok: true, upc: GRID, aliases: [ICPN], known: true });
    // An id it was never given names nothing yet.
    expect(chooseRelease(catalog, [proprietary])).toEqual({ ok: true, upc: PROPRIETARY, aliases: [], known: false });
    expect(chooseRelease(catalog, [icpn(), proprietary])).toEqual({ ok: true, upc: GRID, aliases: [ICPN, PROPRIETARY], known: true });
  });

  it('makes a new release of unknown ids: its first id is its id, the others its aliases', () => {
    expect(chooseRelease(catalog, [icpn('4006381333931'), proprietary])).toEqual({ ok: true, upc: '4006381333931', aliases: [PROPRIETARY], known: false });
  });

  it('refuses ids that name two different releases, naming both and where each is', () => {
    const choice = chooseRelease(catalog, [icpn(OTHER), grid]);
    expect(choice.ok).toBe(false);
    const { problem } = choice as Extract<typeof choice, { ok: false }>;
    expect(problem.code).toBe(RELEASE_ID_CONFLICT);
    expect(problem.where).toBe(`${AT}/GRid`);
    expect(problem.message).toContain(`ICPN ${OTHER} (${AT}/ICPN) is release ${OTHER}`);
    expect(problem.message).toContain(`GRid A12425GABC1234002M (${AT}/GRid) is release ${GRID}`);
  });
});

describe('onChosenRelease', () => {
  const message = { id: 'M-2', createdAt: '2026-12-02T09:00:00.000Z', kind: 'new' } as MessageInfo;
  it('puts the release id and aliases on the delivery, and the id on a purge', () => {
    const { release } = samplePublish({ upc: ICPN });
    const load: DdexReleaseLoad = { kind: 'release', file: 'm.xml', message, delivery: { file: 'm.xml', release, tracks: [], cover: null, warnings: [] }, knownAs: [icpn(), grid], takedown: null, trackTakedowns: [], warnings: [] };
    const chosen = onChosenRelease(load, { ok: true, upc: GRID, aliases: [ICPN], known: true }) as DdexReleaseLoad;
    expect(chosen.delivery.release).toEqual({ ...release, upc: GRID, aliases: [ICPN] });
    expect(load.delivery.release.upc).toBe(ICPN); // the checked load is left as it was
    const purge: DdexPurgeLoad = { kind: 'purge', file: 'p.xml', message, upc: ICPN, knownAs: [icpn(), grid], title: null, warnings: [] };
    expect(onChosenRelease(purge, { ok: true, upc: GRID, aliases: [ICPN], known: true })).toMatchObject({ kind: 'purge', upc: GRID });
  });
});
