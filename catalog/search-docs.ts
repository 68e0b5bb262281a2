// Each candidate's folded fields and play count (search_docs), as ranking reads them. FTS5 is
// asked only for rowids: reading the search_docs row beside each candidate cost ~1 µs, four times
// FTS5's own step. So a long-running server keeps a copy of the whole table in memory, and with it
// the list of tracks carrying each word (search-postings.ts), which finds candidates 3× faster than
// FTS5; a one-shot command reads the few rows it ranks, which beats loading a million (~2.5 s).

import type BetterSqlite3 from 'better-sqlite3';
import { createPostings, type Postings } from './search-postings.ts';

export interface SearchDocs {
  /** Makes the reads that follow see every commit so far, from this connection or any other. */
  refresh(): void;
  /** Track `rowid`'s fields as search-text.ts packFields writes them; '' when it has none. */
  fields(rowid: number): string;
  plays(rowid: number): number;
  /** Which rowids carry each word, kept with the copy in memory; FTS5 answers that otherwise. */
  readonly postings?: Postings;
}

/**
 * Straight from search_docs: nothing to load, nothing to keep current. Ranking asks for a
 * candidate's fields, then its plays when it matched, so the last row read is kept for that.
 */
export function storedSearchDocs(db: BetterSqlite3.Database): SearchDocs {
  const read = db.prepare<[number], [string, number]>('SELECT fields, plays FROM search_docs WHERE track = ?').raw();
  let lastRowid = -1;
  let last: [string, number] | undefined;
  const row = (rowid: number): [string, number] | undefined => {
    if (rowid !== lastRowid) [lastRowid, last] = [rowid, read.get(rowid)];
    return last;
  };
  return {
    // Another connection may have rewritten the kept row since.
    refresh: () => void (lastRowid = -1),
    fields: (rowid) => row(rowid)?.[0] ?? '',
    plays: (rowid) => row(rowid)?.[1] ?? 0,
  };
}

/** Rows read per statement while loading or catching up: memory stays bounded, and it is faster than one statement. */
const BATCH = 10_000;

/**
 * A copy of search_docs, loaded now and kept current by the rows' revisions (migration 6): every
 * write to a row gives it a revision above all others, so the copy catches up by reading the rows
 * above the highest revision it holds. That read runs at every refresh (one index probe when
 * nothing changed), so it sees this connection's commits as well as other processes'. At a
 * million tracks the copy takes ~90 MB of heap and ~35 MB of word lists, and ~2.5 s to load (1.2 s
 * without the lists).
 */
export function memorySearchDocs(db: BetterSqlite3.Database): SearchDocs {
  const latest = db.prepare<[], number>('SELECT coalesce(max(revision), 0) FROM search_docs').pluck();
  const batch = db
    .prepare<[number], [number, string, number]>(`SELECT track, fields, plays FROM search_docs WHERE track > ? ORDER BY track LIMIT ${BATCH}`)
    .raw();
  const changed = db
    .prepare<[number], [number, string, number, number]>(`SELECT track, fields, plays, revision FROM search_docs WHERE revision > ? ORDER BY revision LIMIT ${BATCH}`)
    .raw();

  // Indexed by rowid (dense: tracks are never deleted), '' where a rowid has no row. A plain array
  // of strings and a typed array: about as small as a million entries get, and a read is one load.
  const fields: string[] = [''];
  let plays = new Float64Array(1024);
  const postings = createPostings();
  const put = (track: number, packed: string, count: number): void => {
    while (fields.length <= track) fields.push('');
    const before = fields[track]!;
    // Most rewrites are play counts: the words stay where they are.
    if (before !== packed) {
      if (before) postings.remove(track, before);
      postings.add(track, packed);
    }
    fields[track] = packed;
    if (track >= plays.length) {
      const grown = new Float64Array(Math.max(track + 1, plays.length * 2));
      grown.set(plays);
      plays = grown;
    }
    plays[track] = count;
  };

  // The revision is read first: a row written while the batches are read has a higher one, and is
  // read again at the next refresh.
  let revision = latest.get() ?? 0;
  for (let rows = batch.all(0); rows.length > 0; rows = batch.all(rows[rows.length - 1]![0])) {
    for (const [track, packed, count] of rows) put(track, packed, count);
  }
  postings.trim();

  return {
    refresh() {
      for (;;) {
        const rows = changed.all(revision);
        for (const [track, packed, count, written] of rows) {
          put(track, packed, count);
          revision = written;
        }
        if (rows.length < BATCH) return;
      }
    },
    // A rowid past the end is a track committed after the last refresh: not there yet.
    fields: (rowid) => fields[rowid] ?? '',
    plays: (rowid) => plays[rowid] ?? 0,
    postings,
  };
}
