// The search tables that migrations 3 and 4 add (word counts, folded fields, play copies) must come
// out of the backfill exactly as publishing and recordPlays keep them, or a migrated catalog would
// rank differently from a fresh one.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SEARCH_TRACKS, fixturePublishInput, fixtureTrack, loadSearchFixture } from '../fixtures/search-catalog.ts';
import { openCatalog } from './open-catalog.ts';
import { tempCatalogPath, withRaw } from './test-support.ts';

let path: string;
let cleanup: () => void;
beforeEach(() => ({ path, cleanup } = tempCatalogPath()));
afterEach(() => cleanup());

const QUERIES = ['love', 'the', 'beatels', 'bohem', 'daft p', 'sigur ros', 'metalica enter sandman', 'all you need is love'];

function searchTables(): { terms: unknown[]; docs: unknown[] } {
  return withRaw(path, (db) => ({
    terms: db.prepare('SELECT term, docs FROM search_terms ORDER BY term').all(),
    docs: db.prepare('SELECT track, fields, plays FROM search_docs ORDER BY track').all(),
  }));
}

/** Takes the catalog back to schema 2, as the code before migration 3 left it. */
function downgradeToSchema2(): void {
  withRaw(path, (db) => {
    db.exec('DROP TABLE search_docs');
    db.exec('DELETE FROM search_terms WHERE length(term) < 3');
    db.exec('ALTER TABLE search_terms DROP COLUMN docs');
    db.pragma('user_version = 2');
  });
}

describe('search migrations', () => {
  it('backfill word counts, folded fields and plays exactly as publishing keeps them', () => {
    const catalog = openCatalog(path);
    loadSearchFixture(catalog);
    // A re-published title moves counts both ways: the backfill must agree with that too.
    const input = fixturePublishInput(fixtureTrack('Ageispolis'));
    input.track.title = 'Aisatsana';
    catalog.publish(input);
    catalog.recordPlays([{ isrc: SEARCH_TRACKS[0]!.isrc, plays: 5 }]);
    const answers = QUERIES.map((q) => catalog.search({ q, limit: 50 }));
    catalog.close();
    const kept = searchTables();

    downgradeToSchema2();
    const migrated = openCatalog(path);
    try {
      const backfilled = searchTables();
      // The vocabulary keeps words no track has any more (docs 0); compare the live ones.
      const live = (terms: unknown[]) => terms.filter((row) => (row as { docs: number }).docs > 0);
      expect(live(backfilled.terms)).toEqual(live(kept.terms));
      expect(backfilled.docs).toEqual(kept.docs);
      expect(QUERIES.map((q) => migrated.search({ q, limit: 50 }))).toEqual(answers);
    } finally {
      migrated.close();
    }
  });
});
