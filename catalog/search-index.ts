// Keeps the search index in step with the catalog, inside the publish transaction: the FTS5 row
// of a track (rowid = tracks.rowid), and the vocabulary with the deletion variants that typo
// correction looks up.

import type BetterSqlite3 from 'better-sqlite3';
import { deletionVariants, isAscii, PACKED, packedWords, packFields } from './search-text.ts';

/** Terms shorter than this are never offered as corrections (they get no variants). */
const MIN_TERM_LENGTH = 3;
/** Terms this long also index two-deletion variants (a long query word may be two edits away). */
const TWO_DELETIONS_FROM_LENGTH = 6;
/** Artists in the index's artists column were joined with this before migration 7 (now PACKED.artist). */
const ARTIST_SEPARATOR = ' · ';

export const SEARCH_SCHEMA = `
CREATE VIRTUAL TABLE track_search USING fts5(
  title, artists, album, genre,
  tokenize = 'unicode61 remove_diacritics 2',
  prefix = '2 3'
);
-- Every word ever indexed, and the strings reachable from it by deleting one or two letters.
-- (Shipped as is: SEARCH_CANDIDATES_SCHEMA adds the track counts.)
CREATE TABLE search_terms (term TEXT PRIMARY KEY NOT NULL) STRICT, WITHOUT ROWID;
CREATE TABLE search_term_variants (
  variant TEXT NOT NULL,
  term TEXT NOT NULL,
  PRIMARY KEY (variant, term)
) STRICT, WITHOUT ROWID;
-- Playback grants per track, for popularity.
CREATE TABLE play_counts (
  isrc TEXT PRIMARY KEY NOT NULL REFERENCES tracks (isrc),
  plays INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
`;

export interface SearchDocument {
  title: string;
  artists: string[];
  album: string;
  genre: string | null;
}

export function prepareSearchIndex(db: BetterSqlite3.Database): (isrc: string, document: SearchDocument) => void {
  const rowid = db.prepare<[string], number>('SELECT rowid FROM tracks WHERE isrc = ?').pluck();
  const storedFields = db.prepare<[number], string>('SELECT fields FROM search_docs WHERE track = ?').pluck();
  const writeIndexRow = prepareIndexRowWriter(db);
  // A track's plays are counted before its first publish only in tests, but then they count.
  // Unchanged fields keep their revision: copies in memory have nothing to catch up on.
  const saveFields = db.prepare<[number, string, string]>(
    `INSERT INTO search_docs (track, fields, plays, revision) VALUES (?, ?, coalesce((SELECT plays FROM play_counts WHERE isrc = ?), 0), ${NEXT_REVISION})
     ON CONFLICT (track) DO UPDATE SET fields = excluded.fields, revision = excluded.revision WHERE fields IS NOT excluded.fields`,
  );
  // RETURNING docs: 1 means the word is new (or back after every track lost it), so its variants
  // may be missing; re-adding them is idempotent.
  const countTerm = db
    .prepare<[string], number>('INSERT INTO search_terms (term, docs) VALUES (?, 1) ON CONFLICT DO UPDATE SET docs = docs + 1 RETURNING docs')
    .pluck();
  const uncountTerm = db.prepare<[string]>('UPDATE search_terms SET docs = max(docs - 1, 0) WHERE term = ?');
  const addVariants = prepareVariantWriter(db);

  return (isrc, document) => {
    const id = rowid.get(isrc);
    if (id === undefined) return;
    const fields = packFields(document);
    const before = storedFields.get(id);
    // Re-publishing the same names (a re-run, reindex, a sibling of a changed release) touches
    // nothing: no FTS5 delete and insert (each would add index segments), no new revision.
    // The packed fields keep artists apart, so artists regrouped from the same words are a change.
    if (before === fields) return;
    const oldWords = new Set(before === undefined ? [] : packedWords(before));
    writeIndexRow(id, fields);
    saveFields.run(id, fields, isrc);
    const newWords = new Set(packedWords(fields));
    // Only the difference moves the counts.
    for (const word of oldWords) if (!newWords.has(word)) uncountTerm.run(word);
    for (const word of newWords) if (!oldWords.has(word) && countTerm.get(word) === 1) addVariants(word);
  };
}

/**
 * Records playback grants per track: the play count, and its copy in search_docs that ranking
 * reads (with a new revision, so copies in memory catch up), in one transaction.
 */
export function preparePlayCounts(db: BetterSqlite3.Database): (counts: ReadonlyArray<{ isrc: string; plays: number }>) => void {
  // Only tracks the catalog knows: a count for an unknown ISRC is dropped, not an error.
  const addPlays = db.prepare<[number, string]>(
    'INSERT INTO play_counts (isrc, plays) SELECT isrc, ? FROM tracks WHERE isrc = ? ON CONFLICT (isrc) DO UPDATE SET plays = plays + excluded.plays',
  );
  const addSearchPlays = db.prepare<[number, string]>(
    `UPDATE search_docs SET plays = plays + ?, revision = ${NEXT_REVISION} WHERE track = (SELECT rowid FROM tracks WHERE isrc = ?)`,
  );
  const record = db.transaction((counts: ReadonlyArray<{ isrc: string; plays: number }>) => {
    for (const { isrc, plays } of counts) {
      if (plays <= 0) continue;
      addPlays.run(plays, isrc);
      addSearchPlays.run(plays, isrc);
    }
  });
  return (counts) => record.immediate(counts);
}

/** The strings typo correction finds a vocabulary word by: one deletion, two for long words. */
function variantsOf(word: string): Set<string> {
  return deletionVariants(word, word.length >= TWO_DELETIONS_FROM_LENGTH ? 2 : 1);
}

/**
 * Writes a track's FTS5 row from its packed fields: the same folded words in the same columns
 * (migration 7), so FTS5 finds exactly what the word lists and ranking see.
 */
function prepareIndexRowWriter(db: BetterSqlite3.Database): (rowid: number, fields: string) => void {
  const remove = db.prepare<[number]>('DELETE FROM track_search WHERE rowid = ?');
  const insert = db.prepare<[number, ...string[]]>('INSERT INTO track_search (rowid, title, artists, album, genre) VALUES (?, ?, ?, ?, ?)');
  return (rowid, fields) => {
    remove.run(rowid);
    insert.run(rowid, ...fields.split(PACKED.field));
  };
}

/** Stores a vocabulary word's correction variants (idempotent); words too short to correct get none. */
function prepareVariantWriter(db: BetterSqlite3.Database): (word: string) => void {
  const addVariant = db.prepare<[string, string]>('INSERT INTO search_term_variants (variant, term) VALUES (?, ?) ON CONFLICT DO NOTHING');
  return (word) => {
    if (word.length < MIN_TERM_LENGTH) return;
    for (const variant of variantsOf(word)) addVariant.run(variant, word);
  };
}

/** Every FTS5 row, in rowid order, in batches: better-sqlite3 cannot write while a read is being iterated. */
function forEachIndexRow(db: BetterSqlite3.Database, visit: (row: { rowid: number; title: string; artists: string; album: string; genre: string }) => void): void {
  const batch = db.prepare<[number], { rowid: number; title: string; artists: string; album: string; genre: string }>(
    'SELECT rowid, title, artists, album, genre FROM track_search WHERE rowid > ? ORDER BY rowid LIMIT 10000',
  );
  for (let rows = batch.all(0); rows.length > 0; rows = batch.all(rows[rows.length - 1]!.rowid)) rows.forEach(visit);
}

/**
 * Sets every word's track count from FTS5's own vocabulary, then runs `more` while that vocabulary
 * is readable as temp.search_vocabulary (term, doc).
 */
function recountTerms(db: BetterSqlite3.Database, more: () => void): void {
  db.exec(`CREATE VIRTUAL TABLE temp.search_vocabulary USING fts5vocab(main, 'track_search', 'row')`);
  try {
    db.exec('UPDATE search_terms SET docs = coalesce((SELECT doc FROM temp.search_vocabulary v WHERE v.term = search_terms.term), 0)');
    more();
  } finally {
    db.exec('DROP TABLE temp.search_vocabulary');
  }
}

/**
 * Indexes every track already in the catalog (the migration that introduces search). It writes
 * the schema of that migration (search_terms without counts), not today's: the migrations after
 * it bring the rows up to date.
 */
export function backfillSearchIndex(db: BetterSqlite3.Database): void {
  const insert = db.prepare('INSERT INTO track_search (rowid, title, artists, album, genre) VALUES (?, ?, ?, ?, ?)');
  const addTerm = db.prepare<[string]>('INSERT INTO search_terms (term) VALUES (?) ON CONFLICT DO NOTHING');
  const addVariants = prepareVariantWriter(db);
  const rows = db
    .prepare<[], { rowid: number; title: string; artists: string; album: string; genre: string | null }>(
      'SELECT t.rowid AS rowid, t.title, t.artists, r.title AS album, r.genre FROM tracks t JOIN releases r ON r.upc = t.upc',
    )
    .all();
  for (const row of rows) {
    const artists = JSON.parse(row.artists) as string[];
    insert.run(row.rowid, row.title, artists.join(ARTIST_SEPARATOR), row.album, row.genre ?? '');
    for (const word of packedWords(packFields({ ...row, artists }))) {
      if (word.length < MIN_TERM_LENGTH || addTerm.run(word).changes === 0) continue;
      addVariants(word);
    }
  }
}

/**
 * Migration 3. How many tracks carry each vocabulary word, so a query can let FTS5 intersect only
 * its rarer words (FTS5 walks every entry of every doclist in an AND: ~15 ms for a few very common
 * words at a million tracks) and check the common ones on the candidates. And each track's words,
 * folded once, for that check and for ranking: reading them costs ~1.3 µs a candidate where the
 * FTS5 row costs ~4 µs (plus tokenising it again). Kept by prepareSearchIndex.
 */
export const SEARCH_CANDIDATES_SCHEMA = `
ALTER TABLE search_terms ADD COLUMN docs INTEGER NOT NULL DEFAULT 0;
-- track = tracks.rowid = track_search.rowid; fields as search-text.ts packFields writes them.
CREATE TABLE search_docs (
  track INTEGER PRIMARY KEY,
  fields TEXT NOT NULL
) STRICT;
`;

/** Fills migration 3's counts and folded fields for an existing index (~15 s at a million tracks). */
export function backfillSearchCandidates(db: BetterSqlite3.Database): void {
  // Words of one or two letters are counted too (a query's `of` or `dj` is weighed like any
  // word), though they never get variants: too short to be corrected or offered as corrections.
  recountTerms(db, () => db.exec('INSERT INTO search_terms (term, docs) SELECT term, doc FROM temp.search_vocabulary WHERE length(term) < 3 ON CONFLICT DO NOTHING'));
  // From the index rows themselves: they hold what publishing indexed (a track's artists and its
  // release's), which is what the fields must agree with.
  const save = db.prepare<[number, string]>('INSERT INTO search_docs (track, fields) VALUES (?, ?)');
  forEachIndexRow(db, (row) => save.run(row.rowid, packFields({ ...row, artists: row.artists.split(ARTIST_SEPARATOR) })));
}

/**
 * Migration 4. A copy of each track's play count beside its folded fields: popularity breaks
 * ties between candidates, and reading it from play_counts cost two more lookups per candidate.
 * play_counts stays the record; recordPlays adds to both in one transaction.
 */
export const SEARCH_PLAYS_SCHEMA = `
ALTER TABLE search_docs ADD COLUMN plays INTEGER NOT NULL DEFAULT 0;
UPDATE search_docs SET plays = coalesce((SELECT p.plays FROM tracks t JOIN play_counts p ON p.isrc = t.isrc WHERE t.rowid = search_docs.track), 0);
`;

/**
 * Migration 5, and after bulk loads (scripts/build-search-catalog.ts): FTS5's index merged into
 * one segment. A bulk-built million-track index is a dozen segments, and every word of a query
 * is looked up and walked in each of them: merged, searches cost 20–30% less (~2 s to merge at a
 * million tracks). Publishing adds small segments again; FTS5's automerge keeps them few.
 */
export function mergeSearchIndex(db: BetterSqlite3.Database): void {
  db.exec(`INSERT INTO track_search (track_search) VALUES ('optimize')`);
}

/**
 * Migration 6. A change number on each search_docs row, so that a copy of the table kept in memory
 * (search-docs.ts) catches up on what any connection committed by reading only the rows written
 * since it last looked. Every write to a row's fields or plays sets its revision to NEXT_REVISION
 * in the same statement, one row a statement: revisions only grow (rows are never deleted) and no
 * two rows share one. Existing rows start at 0: a copy loads them all anyway.
 */
export const SEARCH_REVISIONS_SCHEMA = `
ALTER TABLE search_docs ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;
CREATE INDEX search_docs_by_revision ON search_docs (revision);
`;

/** The revision a write to a search_docs row gives it: above every other (one index lookup). */
const NEXT_REVISION = '(SELECT coalesce(max(revision), 0) + 1 FROM search_docs)';

/**
 * Migration 7. FTS5 rows hold each track's packed fields (see prepareIndexRowWriter), folded as
 * `searchTokens` folds queries, so FTS5 finds the same words as serve's word lists, search_terms and
 * ranking. Before, FTS5 tokenised the raw text with unicode61, and one-shot and filtered searches
 * found nothing for `봄날`, `ﬁnal` or `ＦＵＬＬ`, which serve found. unicode61 and searchTokens agree
 * on ASCII, so only rows with other characters are rewritten; then every word count is re-read
 * from the index (a catalog migrated by migration 3 had FTS5's spellings of such words), and words
 * new to the vocabulary get their correction variants. ~20 s at a million tracks (58k rewritten).
 */
export function foldSearchIndex(db: BetterSqlite3.Database): void {
  const storedFields = db.prepare<[number], string>('SELECT fields FROM search_docs WHERE track = ?').pluck();
  const writeIndexRow = prepareIndexRowWriter(db);
  forEachIndexRow(db, ({ rowid, title, artists, album, genre }) => {
    if (isAscii(title + artists + album + genre)) return;
    const fields = storedFields.get(rowid);
    if (fields !== undefined) writeIndexRow(rowid, fields);
  });
  const addVariants = prepareVariantWriter(db);
  recountTerms(db, () => {
    const added = db.prepare<[], string>('INSERT INTO search_terms (term, docs) SELECT term, doc FROM temp.search_vocabulary WHERE true ON CONFLICT DO NOTHING RETURNING term').pluck().all();
    added.forEach(addVariants);
  });
}
