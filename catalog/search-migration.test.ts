// The search tables that migrations 3 and 4 add (word counts, folded fields, play copies) must come
// out of the backfill exactly as publishing and recordPlays keep them, or a migrated catalog would
// rank differently from a fresh one. Migration 6's revisions must let a copy of the fields in
// memory follow what is written after it.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SEARCH_TRACKS, fixturePublishInput, fixtureTrack, isrcOf, loadSearchFixture } from '../fixtures/search-catalog.ts';
import { openCatalog } from './open-catalog.ts';
import { samplePublish, tempCatalogPath, withRaw } from './test-support.ts';

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

/** Index rows with the raw text, as publishing wrote them before migration 7 (track and release artists). */
function unfoldIndexRows(db: Parameters<Parameters<typeof withRaw>[1]>[0]): void {
  const rows = db
    .prepare<[], { rowid: number; title: string; artists: string; releaseArtists: string; album: string; genre: string | null }>(
      'SELECT t.rowid AS rowid, t.title, t.artists, r.artists AS releaseArtists, r.title AS album, r.genre FROM tracks t JOIN releases r ON r.upc = t.upc',
    )
    .all();
  for (const row of rows) {
    db.prepare('DELETE FROM track_search WHERE rowid = ?').run(row.rowid);
    const artists = [...new Set([...(JSON.parse(row.artists) as string[]), ...(JSON.parse(row.releaseArtists) as string[])])].join(' · ');
    db.prepare('INSERT INTO track_search (rowid, title, artists, album, genre) VALUES (?, ?, ?, ?, ?)').run(row.rowid, row.title, artists, row.album, row.genre ?? '');
  }
}

/** Takes the catalog back to schema 2, as the code before migration 3 left it. */
/** Undoes migrations 8 and 9 (release membership, journal position), which every downgrade here goes below. */
function dropReleaseMembership(db: Parameters<Parameters<typeof withRaw>[1]>[0]): void {
  db.exec('DROP TABLE release_tracks; ALTER TABLE versions DROP COLUMN master_sha256; DROP TABLE journal_position;');
}

function downgradeToSchema2(): void {
  withRaw(path, (db) => {
    dropReleaseMembership(db);
    unfoldIndexRows(db);
    db.exec('DROP TABLE search_docs');
    db.exec('DELETE FROM search_terms WHERE length(term) < 3');
    db.exec('ALTER TABLE search_terms DROP COLUMN docs');
    db.pragma('user_version = 2');
  });
}

/** Takes the catalog back to schema 5, as the code before migration 6 left it. */
function downgradeToSchema5(): void {
  withRaw(path, (db) => {
    dropReleaseMembership(db);
    db.exec('DROP INDEX search_docs_by_revision');
    db.exec('ALTER TABLE search_docs DROP COLUMN revision');
    db.pragma('user_version = 5');
  });
}

/**
 * Takes the catalog back to schema 6: index rows with the raw text, as the code before migration 7
 * wrote them, and no count for words that only NFKD folding makes (migration 3 counted FTS5's).
 */
function downgradeToSchema6(): void {
  withRaw(path, (db) => {
    dropReleaseMembership(db);
    unfoldIndexRows(db);
    db.exec(`UPDATE search_terms SET docs = 0 WHERE term GLOB '*[^ -~]*'`);
    db.pragma('user_version = 6');
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

  it('number the folded fields, so that a copy in memory follows what is written after migrating', () => {
    const catalog = openCatalog(path);
    loadSearchFixture(catalog);
    const answers = QUERIES.map((q) => catalog.search({ q, limit: 50 }));
    catalog.close();

    downgradeToSchema5();
    const reader = openCatalog(path, { searchInMemory: true });
    const writer = openCatalog(path);
    try {
      expect(QUERIES.map((q) => reader.search({ q, limit: 50 }))).toEqual(answers);
      const track = fixtureTrack('Ageispolis');
      const input = fixturePublishInput(track);
      input.track.title = 'Aisatsana';
      writer.publish(input);
      const onHelp = isrcOf('Yesterday', { album: 'Help!' });
      const onOne = isrcOf('Yesterday', { album: '1' });
      // Help! is the more played: enough plays put the other one first.
      writer.recordPlays([{ isrc: onOne, plays: 1_000_000 }]);
      expect(reader.search({ q: 'aisatsana' })[0]?.isrc).toBe(track.isrc);
      expect(reader.search({ q: 'ageispolis' }).map((r) => r.isrc)).not.toContain(track.isrc);
      expect(reader.search({ q: 'yesterday' }).map((r) => r.isrc).slice(0, 2)).toEqual([onOne, onHelp]);
    } finally {
      reader.close();
      writer.close();
    }
  });

  it('fold the index rows of an existing catalog, so one-shot searches find what serve finds', () => {
    const catalog = openCatalog(path);
    loadSearchFixture(catalog);
    ['봄날', 'ﬁnal ﬂight', 'ＦＵＬＬ ＷＩＤＴＨ'].forEach((title, i) => catalog.publish(samplePublish({ isrc: `KRAYE26${String(i + 1).padStart(5, '0')}`, title })));
    const queries = [...QUERIES, '봄날', 'final', 'full width'];
    const answers = queries.map((q) => catalog.search({ q, limit: 50 }));
    catalog.close();
    const kept = searchTables();

    downgradeToSchema6();
    const before = openCatalog(path);
    before.close();
    const migrated = openCatalog(path);
    try {
      const live = (terms: unknown[]) => terms.filter((row) => (row as { docs: number }).docs > 0);
      expect(live(searchTables().terms)).toEqual(live(kept.terms));
      expect(queries.map((q) => migrated.search({ q, limit: 50 }))).toEqual(answers);
      expect(migrated.search({ q: '봄날' }).map((r) => r.title)).toEqual(['봄날']);
    } finally {
      migrated.close();
    }
  });
});
