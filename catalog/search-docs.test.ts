// A catalog answers searches as the file is now: whatever another connection (`cadence ingest` or
// another origin worker, while `serve` runs) or its own committed after it opened, including a
// catalog that copied every track's search fields into memory when it opened.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fixturePublishInput, fixtureTrack, isrcOf } from '../fixtures/search-catalog.ts';
import { openCatalog } from './open-catalog.ts';
import { SEARCH_MODES, samplePublish, searchFixtureFile } from './test-support.ts';
import type { Catalog } from './types.ts';

describe.each(SEARCH_MODES)('search fields in memory: $searchInMemory', (mode) => {
  let cleanup: () => void;
  /** Searches; opened on a catalog that already holds the fixture. */
  let reader: Catalog;
  /** Another connection to the same file, as another process would have. */
  let writer: Catalog;

  beforeEach(() => {
    let path: string;
    ({ path, cleanup } = searchFixtureFile({ plays: false }));
    reader = openCatalog(path, mode);
    writer = openCatalog(path);
  });
  afterEach(() => {
    reader.close();
    writer.close();
    cleanup();
  });

  const isrcs = (q: string): string[] => reader.search({ q, limit: 50 }).map((r) => r.isrc);

  it('finds a track another connection publishes', () => {
    expect(isrcs('zyzzyva')).toEqual([]);
    writer.publish(samplePublish({ isrc: 'GBAYE2600099', upc: '012345678999', title: 'Zyzzyva' }));
    expect(reader.search({ q: 'zyzzyva' })).toMatchObject([{ isrc: 'GBAYE2600099', title: 'Zyzzyva', match: 'exact' }]);
    // Typo correction and half-typed words reach the new track too.
    expect(isrcs('zyzyva')).toEqual(['GBAYE2600099']);
    expect(isrcs('zyzz')).toEqual(['GBAYE2600099']);
  });

  it('follows a rename by another connection: found by the new name, not the old', () => {
    const track = fixtureTrack('Ageispolis');
    expect(isrcs('ageispolis')).toContain(track.isrc);
    const input = fixturePublishInput(track);
    input.track.title = 'Aisatsana';
    writer.publish(input);
    expect(isrcs('ageispolis')).not.toContain(track.isrc);
    expect(reader.search({ q: 'aisatsana' })[0]).toMatchObject({ isrc: track.isrc, title: 'Aisatsana' });
    // A word both names share still finds it, once.
    expect(isrcs('aphex twin').filter((isrc) => isrc === track.isrc)).toHaveLength(1);
  });

  it('re-indexes every track of a release whose title or genre another connection corrects', () => {
    const ours = (q: string): string[] => isrcs(q).filter((isrc) => isrc === 'GBAYE2600097' || isrc === 'GBAYE2600098');
    writer.publish(samplePublish({ isrc: 'GBAYE2600097', upc: '012345678998', title: 'Sunrise' }));
    writer.publish(samplePublish({ isrc: 'GBAYE2600098', upc: '012345678998', title: 'Sunset' }));
    expect(ours('aurora')).toEqual(['GBAYE2600097', 'GBAYE2600098']);
    // Only the first track comes with the corrected release.
    const corrected = samplePublish({ isrc: 'GBAYE2600097', upc: '012345678998', title: 'Sunrise' });
    corrected.release = { ...corrected.release, title: 'Borealis', genre: 'Ambient' };
    writer.publish(corrected);
    expect(ours('borealis')).toEqual(['GBAYE2600097', 'GBAYE2600098']);
    expect(ours('aurora')).toEqual([]);
    expect(reader.search({ q: 'sunset', genre: 'ambient' })).toMatchObject([{ isrc: 'GBAYE2600098', album: 'Borealis', genre: 'Ambient' }]);
    expect(reader.search({ q: 'sunset', genre: 'classical' })).toEqual([]);
  });

  it('breaks ties by the plays another connection records', () => {
    const onHelp = isrcOf('Yesterday', { album: 'Help!' });
    const onOne = isrcOf('Yesterday', { album: '1' });
    const firstTwo = (): string[] => reader.search({ q: 'yesterday' }).map((r) => r.isrc).slice(0, 2);
    writer.recordPlays([{ isrc: onOne, plays: 10 }]);
    expect(firstTwo()).toEqual([onOne, onHelp]);
    writer.recordPlays([{ isrc: onHelp, plays: 11 }]);
    expect(firstTwo()).toEqual([onHelp, onOne]);
  });

  it('sees its own commits, and keeps up when both connections write in turns', () => {
    const onHelp = isrcOf('Yesterday', { album: 'Help!' });
    const onOne = isrcOf('Yesterday', { album: '1' });
    for (let round = 1; round <= 3; round++) {
      const [by, other] = round % 2 ? [reader, writer] : [writer, reader];
      const isrc = `GBAYE26000${90 + round}`;
      by.publish(samplePublish({ isrc, upc: `01234567899${round}`, title: `Nocturne Number${round}` }));
      other.recordPlays([{ isrc: round % 2 ? onOne : onHelp, plays: 100 * round }]);
      expect(isrcs(`number${round}`), `round ${round}`).toEqual([isrc]);
      expect(reader.search({ q: 'yesterday' })[0]?.isrc, `round ${round}`).toBe(round % 2 ? onOne : onHelp);
    }
  });
});
