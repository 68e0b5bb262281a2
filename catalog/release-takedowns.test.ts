// Catalog.releaseTakedowns: the one read the cover route's gate makes per release (and the CDN
// purge's "is the whole release down?"): each published track the release lists, with its takedown.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Catalog } from './types.ts';
import { openCatalog } from './open-catalog.ts';
import { samplePublish, tempCatalogPath } from './test-support.ts';

const ALBUM = '012345678905';
const COMPILATION = '012345678912';
const [FIRST, SECOND] = ['GBAYE2600001', 'GBAYE2600002'] as const;
const OPERATOR = { source: 'operator', reason: 'label request', at: '2026-12-03T10:00:00.000Z' } as const;

let file: ReturnType<typeof tempCatalogPath>;
let catalog: Catalog;
beforeEach(() => {
  file = tempCatalogPath();
  catalog = openCatalog(file.path);
  catalog.publish(samplePublish({ isrc: FIRST, upc: ALBUM }));
  catalog.publish(samplePublish({ isrc: SECOND, upc: ALBUM, version: 'v2' }));
  // The first track is also on a compilation (its album still owns it).
  catalog.publish(samplePublish({ isrc: FIRST, upc: COMPILATION }));
});
afterEach(() => {
  catalog.close();
  file.cleanup();
});

describe('Catalog.releaseTakedowns', () => {
  it('lists every published track of the release, none taken down', () => {
    expect(catalog.releaseTakedowns(ALBUM)).toEqual([null, null]);
    expect(catalog.releaseTakedowns(COMPILATION)).toEqual([null]);
    expect(catalog.releaseTakedowns('000000000000')).toEqual([]);
  });

  it('follows track and release takedowns, on every release listing the track, and restores', () => {
    catalog.setTakedown({ isrcs: [FIRST] }, OPERATOR);
    expect(catalog.releaseTakedowns(ALBUM)).toEqual([OPERATOR, null]);
    expect(catalog.releaseTakedowns(COMPILATION)).toEqual([OPERATOR]);

    const purge = { source: 'ddex', messageId: 'ALBUM-2', reason: 'PurgeReleaseMessage in DDEX message ALBUM-2', at: '2026-12-03T11:00:00.000Z' } as const;
    catalog.setTakedown({ upc: ALBUM }, purge);
    // A DDEX purge leaves the operator's takedown as it is.
    expect(catalog.releaseTakedowns(ALBUM)).toEqual([OPERATOR, purge]);

    catalog.setTakedown({ upc: ALBUM }, null);
    expect(catalog.releaseTakedowns(ALBUM)).toEqual([null, null]);
    expect(catalog.releaseTakedowns(COMPILATION)).toEqual([null]);
  });
});
