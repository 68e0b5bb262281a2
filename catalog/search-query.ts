// Search over the FTS5 index. User text never reaches FTS5 syntax: it is cut into words by our own
// tokenizer and every word is quoted, so `"`, `*`, `NEAR(`, `OR`, `-` are just characters.
// Up to three passes, best first: every word as typed; the last word as a prefix (half-typed);
// unknown words replaced by close words from the index's own vocabulary (typos). FTS5 finds the
// matching tracks; ranking is done here on their fields (see `fieldScore`), because FTS5's bm25
// must read the whole doclist of each word to weigh it: 8 ms for one common word at a million
// tracks, before a single row is scored.

import type BetterSqlite3 from 'better-sqlite3';
import { CadenceError } from '../errors/cadence-error.ts';
import { editDistance, deletionVariants, maxEdits, searchTokens } from './search-text.ts';
import type { SearchQuery, SearchResult } from './types.ts';

export const MAX_QUERY_LENGTH = 200;
export const DEFAULT_LIMIT = 10;
export const MAX_LIMIT = 50;
const MAX_WORDS = 8;
const CORRECTIONS_PER_WORD = 3;
const MAX_RANKED = 100;
/** Title and artist above album above genre. */
const FIELD_WEIGHTS = { title: 10, artists: 10, album: 4, genre: 1 } as const;

/** Accepts a field's word for one query word: as typed, as a prefix, or one of its corrections. */
type WordMatcher = (token: string) => boolean;

interface Pass {
  match: SearchResult['match'];
  expression: string;
  matchers: WordMatcher[];
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

/**
 * How well a track's fields carry the query words: each word counts with the weight of the best
 * field it appears in, damped by that field's length (a word in a two-word title says more than
 * one in a ten-word title). A track missing a word scores 0. `whole`: the title or an artist is
 * exactly the typed words, in any order (`love` → "Love").
 */
function rank(row: Row, matchers: WordMatcher[], wanted: string): { score: number; whole: boolean } {
  const artists = JSON.parse(row.artists) as string[];
  const title = searchTokens(row.title);
  const fields: Array<[number, string[]]> = [
    [FIELD_WEIGHTS.title, title],
    [FIELD_WEIGHTS.artists, searchTokens(artists.join(' '))],
    [FIELD_WEIGHTS.album, searchTokens(row.album)],
    [FIELD_WEIGHTS.genre, searchTokens(row.genre ?? '')],
  ];
  let score = 0;
  for (const accepts of matchers) {
    let best = 0;
    for (const [weight, tokens] of fields) {
      if (tokens.some(accepts)) best = Math.max(best, weight / Math.sqrt(tokens.length));
    }
    if (best === 0) return { score: 0, whole: false };
    score += best;
  }
  const whole = wordKey(title) === wanted || artists.some((artist) => wordKey(searchTokens(artist)) === wanted);
  return { score, whole };
}

/** Words in a canonical order, so `story love` and "Love Story" compare equal. */
function wordKey(words: string[]): string {
  return [...words].sort().join(' ');
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
  // A very common word (`love`) matches a third of a million tracks: only the first MAX_RANKED
  // matches are ranked. Rarer words (nearly every real query) are ranked in full.
  const matching = db.prepare<[string], number>(`SELECT rowid FROM track_search WHERE track_search MATCH ? LIMIT ${MAX_RANKED}`).pluck();
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
  // One letter is not a prefix worth expanding (it would merge thousands of doclists).
  const isKnownPrefix = (word: string): boolean => word.length >= 2 && prefixExists.get(word, `${word}\u{10FFFF}`) !== undefined;

  function filterExpression({ genre, artist }: SearchQuery): string {
    const parts: string[] = [];
    const genreWords = searchTokens(genre ?? '');
    const artistWords = searchTokens(artist ?? '');
    if (genreWords.length) parts.push(`genre : ${quote(genreWords.join(' '))}`);
    if (artistWords.length) parts.push(`artists : ${quote(artistWords.join(' '))}`);
    return parts.join(' AND ');
  }

  function passes(words: string[]): Pass[] {
    const last = words.length - 1;
    const known = words.map(isKnown);
    const lastIsPrefix = isKnownPrefix(words[last]!);
    const exact = (word: string): WordMatcher => (token) => token === word;
    const prefix = (word: string): WordMatcher => (token) => token.startsWith(word);
    const plans: Pass[] = [];
    // Explicit AND: FTS5 does not accept implicit AND between a phrase and a parenthesised group.
    if (known.every(Boolean)) plans.push({ match: 'exact', expression: words.map(quote).join(' AND '), matchers: words.map(exact) });
    if (lastIsPrefix && known.slice(0, last).every(Boolean)) {
      plans.push({
        match: 'prefix',
        expression: words.map((word, i) => (i === last ? `${quote(word)}*` : quote(word))).join(' AND '),
        matchers: words.map((word, i) => (i === last ? prefix(word) : exact(word))),
      });
    } else if (words[last]!.length === 1 && last > 0 && known.every(Boolean)) {
      // `daft p`: the other words find the tracks, the single letter is checked on their fields.
      plans.push({
        match: 'prefix',
        expression: words.slice(0, last).map(quote).join(' AND '),
        matchers: words.map((word, i) => (i === last ? prefix(word) : exact(word))),
      });
    }
    // Typos: unknown words become the closest words the index knows; hopeless ones are dropped.
    const parts: Array<{ expression: string; matcher: WordMatcher }> = [];
    let corrected = false;
    words.forEach((word, i) => {
      if (i === last && lastIsPrefix) parts.push({ expression: `${quote(word)}*`, matcher: prefix(word) });
      else if (known[i]) parts.push({ expression: quote(word), matcher: exact(word) });
      else {
        const close = corrections(word);
        corrected = true;
        if (close.length) parts.push({ expression: `(${close.map(quote).join(' OR ')})`, matcher: (token) => close.includes(token) });
      }
    });
    if (corrected && parts.length > 0) {
      plans.push({ match: 'corrected', expression: parts.map((part) => part.expression).join(' AND '), matchers: parts.map((part) => part.matcher) });
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
      // A long query that matched as typed was typed in full: completing its last word would only
      // add weaker matches, at the price of another AND over several doclists.
      if (pass.match === 'prefix' && words.length >= 3 && results.length > 0) break;
      const expression = filter ? `(${pass.expression}) AND ${filter}` : pass.expression;
      const rowids = matching.all(expression).filter((rowid) => !seen.has(rowid));
      const rows = details(rowids);
      const ranked = [...rows.values()]
        .map((row) => ({ rowid: row.rowid, row, ...rank(row, pass.matchers, wanted) }))
        .filter((entry) => entry.score > 0)
        // A title or artist that is exactly what was typed comes first (`love` → "Love"); then
        // where the words are (title, artist > album > genre, in short fields); equal relevance
        // goes to the more played track.
        .sort((a, b) => Number(b.whole) - Number(a.whole) || b.score - a.score || b.row.plays - a.row.plays || a.row.isrc.localeCompare(b.row.isrc));
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
