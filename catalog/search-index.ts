// Keeps the search index in step with the catalog, inside the publish transaction: the FTS5 row
// of a track (rowid = tracks.rowid), and the vocabulary with the deletion variants that typo
// correction looks up.

import type BetterSqlite3 from 'better-sqlite3';
import { deletionVariants, searchTokens } from './search-text.ts';

/** Terms shorter than this are never offered as corrections. */
const MIN_TERM_LENGTH = 3;
/** Terms this long also index two-deletion variants (a long query word may be two edits away). */
const TWO_DELETIONS_FROM_LENGTH = 6;

export const SEARCH_SCHEMA = `
CREATE VIRTUAL TABLE track_search USING fts5(
  title, artists, album, genre,
  tokenize = 'unicode61 remove_diacritics 2',
  prefix = '2 3'
);
-- Every word ever indexed, and the strings reachable from it by deleting one or two letters.
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
  const remove = db.prepare<[number]>('DELETE FROM track_search WHERE rowid = ?');
  const insert = db.prepare('INSERT INTO track_search (rowid, title, artists, album, genre) VALUES (?, ?, ?, ?, ?)');
  const addTerm = db.prepare<[string]>('INSERT INTO search_terms (term) VALUES (?) ON CONFLICT DO NOTHING');
  const addVariant = db.prepare<[string, string]>('INSERT INTO search_term_variants (variant, term) VALUES (?, ?) ON CONFLICT DO NOTHING');

  return (isrc, document) => {
    const id = rowid.get(isrc);
    if (id === undefined) return;
    const artists = document.artists.join(' · ');
    remove.run(id);
    insert.run(id, document.title, artists, document.album, document.genre ?? '');
    const words = new Set(searchTokens(`${document.title} ${artists} ${document.album} ${document.genre ?? ''}`));
    for (const word of words) {
      if (word.length < MIN_TERM_LENGTH || addTerm.run(word).changes === 0) continue;
      for (const variant of deletionVariants(word, word.length >= TWO_DELETIONS_FROM_LENGTH ? 2 : 1)) addVariant.run(variant, word);
    }
  };
}

/** Indexes every track already in the catalog (the migration that introduces search). */
export function backfillSearchIndex(db: BetterSqlite3.Database): void {
  const index = prepareSearchIndex(db);
  const rows = db
    .prepare<[], { isrc: string; title: string; artists: string; album: string; genre: string | null }>(
      'SELECT t.isrc, t.title, t.artists, r.title AS album, r.genre FROM tracks t JOIN releases r ON r.upc = t.upc',
    )
    .all();
  for (const row of rows) index(row.isrc, { title: row.title, artists: JSON.parse(row.artists) as string[], album: row.album, genre: row.genre });
}
