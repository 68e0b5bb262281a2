// The word lists in memory that `serve` intersects instead of asking FTS5: checked against plain
// set arithmetic on random lists, and, through a whole catalog, against FTS5 itself.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEARCH_TRACKS } from '../fixtures/search-catalog.ts';
import { seededRandom } from '../fixtures/seeded-random.ts';
import { openCatalog } from './open-catalog.ts';
import { createPostings, forEachCommon } from './search-postings.ts';
import { packFields, searchTokens } from './search-text.ts';
import { samplePublish, searchFixtureFile, tempCatalogPath } from './test-support.ts';
import type { Catalog } from './types.ts';

/** Sorted distinct rowids in [1, range], each kept with probability `density`. */
function randomList(random: () => number, range: number, density: number): Int32Array {
  const ids: number[] = [];
  for (let rowid = 1; rowid <= range; rowid++) if (random() < density) ids.push(rowid);
  return Int32Array.from(ids);
}

function common(groups: Int32Array[][], stopAfter = Infinity): number[] {
  const found: number[] = [];
  forEachCommon(groups, (rowid) => {
    found.push(rowid);
    return found.length < stopAfter;
  });
  return found;
}

/** The same, by set arithmetic. */
function expected(groups: Int32Array[][]): number[] {
  const unions = groups.map((lists) => new Set(lists.flatMap((list) => [...list])));
  if (unions.length === 0) return [];
  return [...unions[0]!].filter((rowid) => unions.every((union) => union.has(rowid))).sort((a, b) => a - b);
}

describe('forEachCommon', () => {
  it('finds exactly the rowids in every group, ascending, for lists of very different lengths', () => {
    const random = seededRandom(7);
    for (let round = 0; round < 200; round++) {
      const range = 1 + Math.floor(random() * 5000);
      const groups = Array.from({ length: 1 + Math.floor(random() * 4) }, () =>
        Array.from({ length: 1 + Math.floor(random() * 3) }, () => randomList(random, range, random() ** 3)),
      );
      expect(common(groups), `round ${round}`).toEqual(expected(groups));
    }
  });

  it('stops when the visitor says so', () => {
    const evens = Int32Array.from({ length: 100 }, (_, i) => 2 * (i + 1));
    const threes = Int32Array.from({ length: 100 }, (_, i) => 3 * (i + 1));
    expect(common([[evens], [threes]], 3)).toEqual([6, 12, 18]);
  });

  it('finds nothing when a group is empty or has only empty lists', () => {
    const some = Int32Array.from([1, 2, 3]);
    expect(common([[some], []])).toEqual([]);
    expect(common([[some], [new Int32Array(0)]])).toEqual([]);
    expect(common([])).toEqual([]);
  });
});

describe('createPostings', () => {
  const packed = (title: string, artists: string[], album = '', genre = ''): string => packFields({ title, artists, album, genre });

  it('lists each word of a track once, in rowid order whatever the order of adding', () => {
    const postings = createPostings();
    postings.add(5, packed('Love Love Me Do', ['The Beatles'], 'Please Please Me'));
    postings.add(2, packed('Love Story', ['Taylor Swift']));
    postings.add(9, packed('Lover', ['Taylor Swift']));
    postings.add(2, packed('Love Story', ['Taylor Swift']));
    expect([...postings.list('love')]).toEqual([2, 5]);
    expect([...postings.list('me')]).toEqual([5]);
    expect([...postings.list('taylor')]).toEqual([2, 9]);
    expect([...postings.list('lov')]).toEqual([]);
  });

  it('follows a rename: the old words lose the track, the new ones gain it', () => {
    const postings = createPostings();
    for (let rowid = 1; rowid <= 50; rowid++) postings.add(rowid, packed(`Song ${rowid}`, ['Band']));
    postings.remove(20, packed('Song 20', ['Band']));
    postings.add(20, packed('Other', ['Band']));
    expect(postings.list('song')).toHaveLength(49);
    expect([...postings.list('song')]).not.toContain(20);
    expect([...postings.list('other')]).toEqual([20]);
    expect([...postings.list('band')]).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    postings.trim();
    expect([...postings.list('other')]).toEqual([20]);
    postings.add(51, packed('Other', ['Band']));
    expect([...postings.list('other')]).toEqual([20, 51]);
  });
});

// Every search the fixture's own words make (each word, each pair, half-typed and mistyped
// words) answers the same from the lists in memory as from FTS5: same tracks, same order, same
// kind of match.
/** A catalog file opened both ways for the enclosing describe: word lists in memory, and FTS5. */
function openedBothWays(makeFile: () => { path: string; cleanup: () => void }): { memory: Catalog; stored: Catalog } {
  const opened = {} as { memory: Catalog; stored: Catalog };
  let cleanup = (): void => {};
  beforeAll(() => {
    const file = makeFile();
    cleanup = file.cleanup;
    opened.memory = openCatalog(file.path, { searchInMemory: true });
    opened.stored = openCatalog(file.path, { searchInMemory: false });
  });
  afterAll(() => {
    opened.memory.close();
    opened.stored.close();
    cleanup();
  });
  return opened;
}

describe('in memory and through FTS5, the same answers', () => {
  const catalogs = openedBothWays(() => searchFixtureFile());

  const queries = new Set<string>();
  for (const track of SEARCH_TRACKS) {
    const words = searchTokens(`${track.title} ${track.artists.join(' ')} ${track.album}`);
    for (const [i, word] of words.entries()) {
      queries.add(word);
      queries.add(word.slice(0, 2));
      queries.add(word.slice(0, Math.ceil(word.length / 2)));
      if (word.length >= 5) queries.add(word.slice(0, 2) + word.slice(3));
      if (i > 0) queries.add(`${words[i - 1]} ${word}`);
    }
    queries.add(words.join(' '));
  }

  it(`over ${queries.size} queries`, () => {
    const answer = (catalog: Catalog, q: string) => catalog.search({ q, limit: 50 }).map(({ isrc, match }) => `${isrc}:${match}`);
    let withResults = 0;
    for (const q of queries) {
      const fromMemory = answer(catalogs.memory, q);
      expect(fromMemory, q).toEqual(answer(catalogs.stored, q));
      if (fromMemory.length > 0) withResults++;
    }
    // The comparison means something only if most queries find tracks.
    expect(withResults).toBeGreaterThan(queries.size * 0.9);
  });
});

describe('in memory and through FTS5, text that NFKD folds further than unicode61', () => {
  // Hangul syllables decompose to jamo; ligatures, fullwidth letters, Roman numerals and
  // digraphs have compatibility forms. FTS5 holds the folded words (migration 7), so one-shot and
  // filtered searches find what serve's lists find.
  const titles = ['봄날', 'ﬁnal ﬂight', 'ＦＵＬＬ ＷＩＤＴＨ', 'Ⅻ Monkeys', 'Ǆungla', 'Straße nach Köln', '東京タワー'];
  const queries: Array<[string, string]> = [
    ['봄날', '봄날'],
    ['봄', '봄날'],
    ['final', 'ﬁnal ﬂight'],
    ['ﬂight', 'ﬁnal ﬂight'],
    ['full width', 'ＦＵＬＬ ＷＩＤＴＨ'],
    ['ｗｉｄｔｈ', 'ＦＵＬＬ ＷＩＤＴＨ'],
    ['xii monkeys', 'Ⅻ Monkeys'],
    ['dzungla', 'Ǆungla'],
    ['koln', 'Straße nach Köln'],
    ['東京タワー', '東京タワー'],
  ];
  const catalogs = openedBothWays(() => {
    const file = tempCatalogPath();
    const setup = openCatalog(file.path);
    titles.forEach((title, i) => setup.publish(samplePublish({ isrc: `GBAYE26${String(i + 1).padStart(5, '0')}`, title })));
    setup.close();
    return file;
  });

  it.each(queries)('%s finds %s both ways, and with a genre filter (always FTS5)', (q, title) => {
    for (const catalog of [catalogs.memory, catalogs.stored]) {
      expect(catalog.search({ q }).map((r) => r.title)).toEqual([title]);
      expect(catalog.search({ q, genre: 'classical' }).map((r) => r.title)).toEqual([title]);
    }
  });
});
