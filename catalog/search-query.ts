// Search over the FTS5 index. User text never reaches FTS5 syntax: it is cut into words by our own
// tokenizer and every word is quoted, so `"`, `*`, `NEAR(`, `OR`, `-` are just characters.
// Up to three passes, best first: every word as typed; the last word as a prefix (half-typed);
// unknown words replaced by close words from the index's own vocabulary (typos).

import type BetterSqlite3 from 'better-sqlite3';
import { CadenceError } from '../errors/cadence-error.ts';
import { editDistance, deletionVariants, maxEdits, searchTokens } from './search-text.ts';
import type { SearchQuery, SearchResult } from './types.ts';

export const MAX_QUERY_LENGTH = 200;
export const DEFAULT_LIMIT = 10;
export const MAX_LIMIT = 50;
const MAX_WORDS = 8;
const CORRECTIONS_PER_WORD = 3;
const MAX_SCORED = 1_000;
/** Title and artist above album above genre. */
const BM25 = 'bm25(track_search, 10.0, 10.0, 4.0, 1.0)';

interface Candidate {
  rowid: number;
  score: number;
}

interface Row {
  rowid: number;
  isrc: string;
  title: string;
  artists: string;
  album: string;
  genre: string | null;
  duration: number;
  plays: number;
}

const quote = (word: string): string => `"${word}"`;

/** Words in a canonical order, so `story love` and "Love Story" compare equal. */
function wordKey(words: string[]): string {
  return [...words].sort().join(' ');
}

function wholeFieldMatch(row: Row, wanted: string): boolean {
  if (wordKey(searchTokens(row.title)) === wanted) return true;
  return (JSON.parse(row.artists) as string[]).some((artist) => wordKey(searchTokens(artist)) === wanted);
}

export function clampLimit(limit: number | undefined): number {
  if (limit === undefined || !Number.isFinite(limit)) return DEFAULT_LIMIT;
  return Math.min(MAX_LIMIT, Math.max(1, Math.trunc(limit)));
}

export function prepareSearch(db: BetterSqlite3.Database): {
  search(query: SearchQuery): SearchResult[];
  recordPlays(counts: ReadonlyArray<{ isrc: string; plays: number }>): void;
} {
  const termExists = db.prepare<[string], number>('SELECT 1 FROM search_terms WHERE term = ?').pluck();
  const prefixExists = db.prepare<[string, string], number>('SELECT 1 FROM search_terms WHERE term >= ? AND term < ? LIMIT 1').pluck();
  // Scoring is bounded: a very common word (`love`, `the`) matches a large part of a million
  // tracks, and bm25 over all of them costs tens of milliseconds. Only the first MAX_SCORED matches
  // are ranked; rarer words (nearly every real query) are ranked in full.
  const scored = db.prepare<[string, number], Candidate>(
    `SELECT rowid, score FROM (SELECT rowid, ${BM25} AS score FROM track_search WHERE track_search MATCH ? LIMIT ${MAX_SCORED}) ORDER BY score LIMIT ?`,
  );
  // Only tracks the catalog knows: a count for an unknown ISRC is dropped, not an error.
  const addPlays = db.prepare<[number, string]>(
    'INSERT INTO play_counts (isrc, plays) SELECT isrc, ? FROM tracks WHERE isrc = ? ON CONFLICT (isrc) DO UPDATE SET plays = plays + excluded.plays',
  );
  const recordPlays = db.transaction((counts: ReadonlyArray<{ isrc: string; plays: number }>) => {
    for (const { isrc, plays } of counts) if (plays > 0) addPlays.run(plays, isrc);
  });
  // Statements with an IN list, prepared once per list length.
  const byArity = (sql: (placeholders: string) => string) => {
    const cache = new Map<number, BetterSqlite3.Statement>();
    return (count: number): BetterSqlite3.Statement => {
      let statement = cache.get(count);
      if (!statement) cache.set(count, (statement = db.prepare(sql(Array.from({ length: count }, () => '?').join(',')))));
      return statement;
    };
  };
  const variantLookup = byArity((list) => `SELECT DISTINCT term FROM search_term_variants WHERE variant IN (${list})`);
  const rowDetails = byArity(
    (list) => `SELECT t.rowid AS rowid, t.isrc, t.title, t.artists, r.title AS album, r.genre, v.duration_seconds AS duration, coalesce(p.plays, 0) AS plays
       FROM tracks t
       JOIN releases r ON r.upc = t.upc
       JOIN versions v ON v.isrc = t.isrc AND v.version = t.current_version
       LEFT JOIN play_counts p ON p.isrc = t.isrc
       WHERE t.rowid IN (${list})`,
  );

  function corrections(word: string): string[] {
    const edits = maxEdits(word);
    if (edits === 0) return [];
    const variants = [...deletionVariants(word, edits)];
    const found = variantLookup(variants.length).pluck().all(...variants) as string[];
    return found
      .map((term) => ({ term, distance: editDistance(word, term, edits) }))
      .filter(({ distance }) => distance <= edits)
      .sort((a, b) => a.distance - b.distance || a.term.localeCompare(b.term))
      .slice(0, CORRECTIONS_PER_WORD)
      .map(({ term }) => term);
  }

  /** A word that is in the vocabulary (short words are not tracked there and count as known). */
  const isKnown = (word: string): boolean => word.length < 3 || termExists.get(word) !== undefined;
  const isKnownPrefix = (word: string): boolean => prefixExists.get(word, `${word}\u{10FFFF}`) !== undefined;

  function filterExpression({ genre, artist }: SearchQuery): string {
    const parts: string[] = [];
    const genreWords = searchTokens(genre ?? '');
    const artistWords = searchTokens(artist ?? '');
    if (genreWords.length) parts.push(`genre : ${quote(genreWords.join(' '))}`);
    if (artistWords.length) parts.push(`artists : ${quote(artistWords.join(' '))}`);
    return parts.join(' AND ');
  }

  function passes(words: string[]): Array<{ match: SearchResult['match']; expression: string }> {
    const last = words.length - 1;
    const known = words.map(isKnown);
    const lastIsPrefix = isKnownPrefix(words[last]!);
    const plans: Array<{ match: SearchResult['match']; expression: string }> = [];
    // Explicit AND: FTS5 does not accept implicit AND between a phrase and a parenthesised group.
    if (known.every(Boolean)) plans.push({ match: 'exact', expression: words.map(quote).join(' AND ') });
    if (lastIsPrefix && known.slice(0, last).every(Boolean)) {
      plans.push({ match: 'prefix', expression: words.map((word, i) => (i === last ? `${quote(word)}*` : quote(word))).join(' AND ') });
    }
    // Typos: unknown words become the closest words the index knows; hopeless ones are dropped.
    const corrected = words
      .map((word, i) => {
        if (known[i] || (i === last && lastIsPrefix)) return i === last && lastIsPrefix ? `${quote(word)}*` : quote(word);
        const close = corrections(word);
        return close.length ? `(${close.map(quote).join(' OR ')})` : null;
      })
      .filter((part): part is string => part !== null);
    if (corrected.length > 0 && known.some((isWordKnown, i) => !isWordKnown && !(i === last && lastIsPrefix))) {
      plans.push({ match: 'corrected', expression: corrected.join(' AND ') });
    }
    return plans;
  }

  function details(rowids: number[]): Map<number, Row> {
    if (rowids.length === 0) return new Map();
    const rows = rowDetails(rowids.length).all(...rowids) as Row[];
    return new Map(rows.map((row) => [row.rowid, row]));
  }

  function search(query: SearchQuery): SearchResult[] {
    if (typeof query.q !== 'string') throw new CadenceError('BAD_INPUT', 'the query must be text');
    if (query.q.length > MAX_QUERY_LENGTH) throw new CadenceError('BAD_INPUT', `the query is longer than ${MAX_QUERY_LENGTH} characters`);
    const words = searchTokens(query.q).slice(0, MAX_WORDS);
    if (words.length === 0) return [];
    const limit = clampLimit(query.limit);
    const filter = filterExpression(query);
    const wanted = wordKey(words);

    const results: SearchResult[] = [];
    const seen = new Set<number>();
    for (const pass of passes(words)) {
      const expression = filter ? `(${pass.expression}) AND ${filter}` : pass.expression;
      // Over-fetch so that equal scores can be ordered by popularity.
      const found = scored.all(expression, limit * 3).filter((candidate) => !seen.has(candidate.rowid));
      const rows = details(found.map((candidate) => candidate.rowid));
      const ranked = found
        .map((candidate) => {
          const row = rows.get(candidate.rowid);
          return { ...candidate, row, whole: row ? wholeFieldMatch(row, wanted) : false };
        })
        .filter((entry): entry is Candidate & { row: Row; whole: boolean } => entry.row !== undefined)
        // A title or artist that is exactly what was typed comes first (`love` → "Love"); then
        // bm25; equal relevance (same words, same lengths) goes to the more played track.
        .sort(
          (a, b) =>
            Number(b.whole) - Number(a.whole) ||
            (Math.abs(a.score - b.score) > 1e-9 ? a.score - b.score : b.row.plays - a.row.plays || a.row.isrc.localeCompare(b.row.isrc)),
        );
      for (const { rowid, row } of ranked) {
        if (results.length >= limit) break;
        seen.add(rowid);
        results.push({
          isrc: row.isrc,
          title: row.title,
          artists: JSON.parse(row.artists) as string[],
          album: row.album,
          genre: row.genre,
          duration: row.duration,
          match: pass.match,
        });
      }
      if (results.length >= limit) break;
    }
    return results;
  }

  return { search, recordPlays: (counts) => recordPlays.immediate(counts) };
}
