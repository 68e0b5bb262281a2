// Catalog search. User text never reaches FTS5 syntax: it is cut into words by our own tokenizer
// and every word is quoted, so `"`, `*`, `NEAR(`, `OR`, `-` are just characters.
// Up to three passes, best first: every word as typed; the last word as a prefix (half-typed);
// unknown words replaced by close words from the index's own vocabulary (typos). The word lists in
// memory or FTS5 find candidate tracks (below); ranking is done here on their fields (see `rank`),
// because FTS5's bm25 must read the whole doclist of each word to weigh it.
//
// FTS5 walks every entry of every doclist in an AND, so a few very common words (`the`, `love`,
// `of`) cost ~15 ms at a million tracks even when the answer is three tracks. So FTS5 is only
// asked for the rarer words of a pass (chosen with the vocabulary's track counts, see
// `drivingParts`); the common words are checked on the candidates' folded fields (search_docs,
// through search-docs.ts), which `rank` reads anyway. When that reads too many candidates, FTS5
// gets one more word.
//
// A long-running server has the list of tracks carrying each word in memory (search-docs.ts,
// search-postings.ts): there every word is intersected, leaping through the lists, which costs
// about the rarest word's tracks rather than every entry of every word, and the plan above is only
// needed for filtered searches (FTS5 column filters) and one-shot commands.

import type BetterSqlite3 from 'better-sqlite3';
import { CadenceError } from '../errors/cadence-error.ts';
import type { SearchDocs } from './search-docs.ts';
import { forEachCommon, type Postings } from './search-postings.ts';
import { editDistance, deletionVariants, isPackedSeparator, maxEdits, PACKED, searchTokens } from './search-text.ts';
import type { SearchQuery, SearchResult } from './types.ts';

export const MAX_QUERY_LENGTH = 200;
export const DEFAULT_LIMIT = 10;
export const MAX_LIMIT = 50;
const MAX_WORDS = 8;
const CORRECTIONS_PER_WORD = 3;
/** Matches ranked per pass: a very common word matches a third of a million tracks. */
const MAX_RANKED = 100;
/** Shorter words are never corrected, so they count as known even when no track has them. */
const MIN_CORRECTABLE_LENGTH = 3;
/**
 * A half-typed word of 4+ letters (no FTS5 prefix index) is written out as an OR of its
 * completions when there are at most this many: FTS5's own `word*` merges every completion's
 * doclist before returning a row (20 ms for `love*`), an OR of terms is walked lazily.
 */
const MAX_EXPANDED_PREFIX = 16;
/** Completions summed to estimate a prefix's tracks; past this it counts as everywhere. */
const PREFIX_COUNT_TERMS = 64;
/**
 * Reading one candidate and checking it here costs about as much as FTS5 walking this many
 * doclist entries (~0.5 µs a row with the fields in memory; a few ns an entry once FTS5's index is
 * one segment, more when it is many: see mergeSearchIndex). Tuned on the 1M benchmark with the
 * fields in memory and FTS5 finding every candidate, each query timed at every value in turn:
 * 200–400 used the least time, 100 ~1% more, 800 (the figure when each row was read from SQLite)
 * ~2–3% more, 50 ~9% more. The FTS5 path now serves filtered searches in `serve`, where 200 holds,
 * and one-shot commands, which read rows from SQLite (800 would fit them better; not retuned).
 */
const ROW_COST = 200;
/**
 * Candidates read at least before FTS5 is given one more of the pass's words: word counts taken as
 * independent underestimate names (`aiden hall` is far likelier than `aiden` × `hall`).
 */
const SCAN_LIMIT = 400;
/** Title and artist above album above genre, in packFields' field order. */
const FIELD_WEIGHTS = [10, 10, 4, 1];

/** One query word as a pass reads it. */
interface Part {
  /** The word in FTS5 syntax (quoted); none for a single letter, which is only checked on fields. */
  expression?: string;
  /**
   * The index words that stand for it (the word, its corrections or all its completions), for the
   * lists in memory; none when FTS5 alone can expand it (a short prefix of too many words).
   */
  terms?: string[];
  /** A field's word stands for the query word when it is one of these (or starts with one, `prefix`). */
  words: string[];
  prefix: boolean;
  /** Tracks that carry the word, as the vocabulary counts them (a sum for prefixes and corrections). */
  docs: number;
}

interface Pass {
  match: SearchResult['match'];
  parts: Part[];
}

interface Ranked {
  rowid: number;
  score: number;
  whole: boolean;
  plays: number;
}

interface Details {
  rowid: number;
  isrc: string;
  title: string;
  artists: string;
  album: string;
  upc: string;
  cover_sha256: string | null;
  genre: string | null;
  duration: number;
  explicit: number;
  disc_number: number;
  track_number: number;
}

const quote = (word: string): string => `"${word}"`;

const NO_MATCH = { score: 0, whole: false };

/**
 * How well a track's fields carry the query words: each word counts with the weight of the best
 * field it appears in, damped by that field's length (a word in a two-word title says more than
 * one in a ten-word title). A track missing a word scores 0. `whole`: the title or an artist is
 * exactly the typed words, in any order (`love` → "Love"). `packed`: see search-text.ts packFields.
 * Works on the packed text itself (indexOf, no splitting): every candidate goes through here.
 */
function rank(packed: string, parts: Part[], wanted: string[]): { score: number; whole: boolean } {
  // Most candidates that lack a word do not even contain it as a substring.
  for (const { words } of parts) if (!words.some((word) => packed.includes(word))) return NO_MATCH;
  // Field i runs from ends[i - 1] + 1 to ends[i] (a tab, or the end of the text).
  const first = packed.indexOf(PACKED.field);
  const second = first < 0 ? -1 : packed.indexOf(PACKED.field, first + 1);
  const third = second < 0 ? -1 : packed.indexOf(PACKED.field, second + 1);
  const length = packed.length;
  const ends = [first < 0 ? length : first, second < 0 ? length : second, third < 0 ? length : third, length];
  const counts = [-1, -1, -1, -1];
  let score = 0;
  for (const { words, prefix } of parts) {
    let best = 0;
    for (const word of words) {
      for (let at = packed.indexOf(word); at >= 0; at = packed.indexOf(word, at + 1)) {
        if (at > 0 && !isPackedSeparator(packed.charCodeAt(at - 1))) continue;
        const end = at + word.length;
        if (!prefix && end < length && !isPackedSeparator(packed.charCodeAt(end))) continue;
        const field = at < ends[0]! ? 0 : at < ends[1]! ? 1 : at < ends[2]! ? 2 : 3;
        if (counts[field]! < 0) counts[field] = wordCount(packed, field === 0 ? 0 : ends[field - 1]! + 1, ends[field]!);
        best = Math.max(best, FIELD_WEIGHTS[field]! / Math.sqrt(counts[field]!));
      }
    }
    if (best === 0) return NO_MATCH;
    score += best;
  }
  return { score, whole: wholeMatch(packed, ends, wanted) };
}

/** Words in packed[from, to). */
function wordCount(packed: string, from: number, to: number): number {
  let count = 0;
  for (let i = from; i < to; i++) {
    if (!isPackedSeparator(packed.charCodeAt(i)) && (i === from || isPackedSeparator(packed.charCodeAt(i - 1)))) count++;
  }
  return count;
}

/** The title or one artist is exactly the `wanted` words, in any order. */
function wholeMatch(packed: string, ends: number[], wanted: string[]): boolean {
  if (sameWords(packed.slice(0, ends[0]), wanted)) return true;
  const artists = packed.slice(ends[0]! + 1, ends[1]);
  if (!artists) return false;
  for (const artist of artists.split(PACKED.artist)) if (sameWords(artist, wanted)) return true;
  return false;
}

/**
 * The words of `text` (one field or artist, space-separated) are `wanted` (sorted) in any order,
 * so `story love` and "Love Story" compare equal.
 */
function sameWords(text: string, wanted: string[]): boolean {
  if (!text) return wanted.length === 0;
  // Cheap refusal before splitting: the word count must agree.
  let spaces = 0;
  for (let at = text.indexOf(PACKED.word); at >= 0; at = text.indexOf(PACKED.word, at + 1)) spaces++;
  if (spaces + 1 !== wanted.length) return false;
  const sorted = text.split(PACKED.word).sort();
  return sorted.every((word, i) => word === wanted[i]);
}

/**
 * Best first: the exact title or artist (`love` → "Love"); where the words are; then popularity;
 * then the older track.
 */
function byRelevance(a: Ranked, b: Ranked): number {
  return Number(b.whole) - Number(a.whole) || b.score - a.score || b.plays - a.plays || a.rowid - b.rowid;
}

/** Expected tracks carrying every one of `parts`, taking the words as independent. */
function estimate(parts: Part[], total: number): number {
  return parts.reduce((tracks, part) => tracks * Math.min(1, part.docs / total), total);
}

/**
 * How many of `parts` (rarest first) FTS5 should intersect; the rest are checked on the
 * candidates. A part is added while walking its doclist costs less than reading the candidates it
 * would rule out.
 */
function drivingParts(parts: Part[], total: number): number {
  const matching = estimate(parts, total);
  const cost = (count: number): number => {
    const driver = parts.slice(0, count);
    const candidates = estimate(driver, total);
    // Reading stops once MAX_RANKED candidates carry every word.
    const read = matching > 0 ? Math.min(candidates, (MAX_RANKED * candidates) / matching) : candidates;
    return driver.reduce((entries, part) => entries + part.docs, 0) + ROW_COST * read;
  };
  let count = 1;
  while (count < parts.length && cost(count + 1) < cost(count)) count++;
  return count;
}

export function clampLimit(limit: number | undefined): number {
  if (limit === undefined || !Number.isFinite(limit)) return DEFAULT_LIMIT;
  return Math.min(MAX_LIMIT, Math.max(1, Math.trunc(limit)));
}

/** Tracks listeners may not see now (not yet started, ended, taken down): true = leave out. */
export type HiddenTracks = () => (rowid: number) => boolean;

const NONE_HIDDEN: HiddenTracks = () => () => false;

export function prepareSearch(db: BetterSqlite3.Database, docs: SearchDocs, hiddenTracks: HiddenTracks = NONE_HIDDEN): (query: SearchQuery) => SearchResult[] {
  /** Set at the start of each search. */
  let hidden: (rowid: number) => boolean = () => false;
  // A term whose tracks all lost it is still in the vocabulary, with docs 0: it counts as unknown.
  const termDocs = db.prepare<[string], number>('SELECT docs FROM search_terms WHERE term = ? AND docs > 0').pluck();
  const completions = db.prepare<[string, string], { term: string; docs: number }>(
    `SELECT term, docs FROM search_terms WHERE term >= ? AND term < ? AND docs > 0 LIMIT ${PREFIX_COUNT_TERMS + 1}`,
  );
  const trackCount = db.prepare<[], number>('SELECT coalesce(max(rowid), 0) FROM tracks').pluck();
  // Rowids only: FTS5 reads no row, and the fields come from `docs`.
  const candidates = db.prepare<[string], number>('SELECT rowid FROM track_search WHERE track_search MATCH ?').pluck();
  // Statements with an IN list, prepared once per list length.
  const byArity = (sql: (placeholders: string) => string) => {
    const cache = new Map<number, BetterSqlite3.Statement>();
    return (count: number): BetterSqlite3.Statement => {
      let statement = cache.get(count);
      if (!statement) cache.set(count, (statement = db.prepare(sql(Array.from({ length: count }, () => '?').join(',')))));
      return statement;
    };
  };
  const variantLookup = byArity(
    (list) => `SELECT DISTINCT v.term, t.docs FROM search_term_variants v JOIN search_terms t ON t.term = v.term
       WHERE v.variant IN (${list}) AND t.docs > 0`,
  );
  const rowDetails = byArity(
    (list) => `SELECT t.rowid AS rowid, t.isrc, t.title, t.artists, r.title AS album, r.upc, r.cover_sha256, coalesce(t.genre, r.genre) AS genre,
         v.duration_seconds AS duration, t.explicit, t.disc_number, t.track_number
       FROM tracks t
       JOIN releases r ON r.upc = t.upc
       JOIN versions v ON v.isrc = t.isrc AND v.version = t.current_version
       WHERE t.rowid IN (${list})`,
  );

  /**
   * Tracks carrying `word`: in memory, the length of the list that will be intersected (so a word
   * counts as known exactly when its list has tracks), else the vocabulary's count.
   */
  const wordTracks = (word: string): number => (docs.postings ? docs.postings.list(word).length : (termDocs.get(word) ?? 0));

  /** Up to CORRECTIONS_PER_WORD vocabulary words closest to `word`, closest first. */
  function corrections(word: string): Array<{ term: string; docs: number }> {
    const edits = maxEdits(word);
    if (edits === 0) return [];
    const variants = [...deletionVariants(word, edits)];
    const found = variantLookup(variants.length).all(...variants) as Array<{ term: string; docs: number }>;
    return found
      .map((entry) => ({ ...entry, distance: editDistance(word, entry.term, edits) }))
      .filter(({ distance }) => distance <= edits)
      .sort((a, b) => a.distance - b.distance || a.term.localeCompare(b.term))
      .slice(0, CORRECTIONS_PER_WORD);
  }

  /** `word` read as the start of a longer word, or undefined when no indexed word starts with it. */
  function prefixPart(word: string, total: number): Part | undefined {
    // One letter is not a prefix worth expanding (it would merge thousands of doclists).
    if (word.length < 2) return undefined;
    const terms = completions.all(word, `${word}\u{10FFFF}`);
    if (terms.length === 0) return undefined;
    const docs = terms.length > PREFIX_COUNT_TERMS ? total : Math.min(total, terms.reduce((sum, term) => sum + term.docs, 0));
    // Two and three letters have FTS5 prefix indexes (prefix = '2 3'): one doclist, walked lazily.
    const expanded = word.length > 3 && terms.length <= MAX_EXPANDED_PREFIX;
    const expression = expanded ? `(${terms.map((term) => quote(term.term)).join(' OR ')})` : `${quote(word)}*`;
    const complete = terms.length <= PREFIX_COUNT_TERMS;
    return { expression, terms: complete ? terms.map((term) => term.term) : undefined, words: [word], prefix: true, docs };
  }

  function filterExpression({ genre, artist }: SearchQuery): string {
    const parts: string[] = [];
    const genreWords = searchTokens(genre ?? '');
    const artistWords = searchTokens(artist ?? '');
    if (genreWords.length) parts.push(`genre : ${quote(genreWords.join(' '))}`);
    if (artistWords.length) parts.push(`artists : ${quote(artistWords.join(' '))}`);
    return parts.join(' AND ');
  }

  /**
   * The passes of a query, best first, each planned only when the search gets to it: a query the
   * exact pass answers never looks up completions or corrections.
   */
  function* passes(words: string[], total: number): Generator<Pass> {
    const last = words.length - 1;
    const docs = words.map(wordTracks);
    const known = docs.map((count, i) => count > 0 || words[i]!.length < MIN_CORRECTABLE_LENGTH);
    const asTyped = (word: string, i: number): Part => ({ expression: quote(word), terms: [word], words: [word], prefix: false, docs: docs[i]! });
    if (known.every(Boolean)) yield { match: 'exact', parts: words.map(asTyped) };
    const completion = prefixPart(words[last]!, total);
    if (completion && known.slice(0, last).every(Boolean)) {
      yield { match: 'prefix', parts: words.map((word, i) => (i === last ? completion : asTyped(word, i))) };
    } else if (words[last]!.length === 1 && last > 0 && known.every(Boolean)) {
      // `daft p`: the other words find the tracks, the single letter is checked on their fields.
      yield { match: 'prefix', parts: words.map((word, i) => (i === last ? { words: [word], prefix: true, docs: total } : asTyped(word, i))) };
    }
    // Typos: unknown words become the closest words the index knows; hopeless ones are dropped.
    const parts: Part[] = [];
    let corrected = false;
    words.forEach((word, i) => {
      if (i === last && completion) parts.push(completion);
      else if (known[i]) parts.push(asTyped(word, i));
      else {
        const close = corrections(word);
        corrected = true;
        if (close.length === 0) return;
        const terms = close.map(({ term }) => term);
        parts.push({
          expression: `(${terms.map(quote).join(' OR ')})`,
          terms,
          words: terms,
          prefix: false,
          docs: Math.min(total, close.reduce((sum, { docs: count }) => sum + count, 0)),
        });
      }
    });
    if (corrected && parts.length > 0) yield { match: 'corrected', parts };
  }

  /** Explicit AND: FTS5 does not accept implicit AND between a phrase and a parenthesised group. */
  function expressionOf(parts: Part[], filter: string): string {
    const words = parts.map((part) => part.expression!).join(' AND ');
    return filter ? `(${words}) AND ${filter}` : words;
  }

  /**
   * Candidates of `expression` that carry every part, up to MAX_RANKED, in rowid order;
   * `complete` is false when `readLimit` rows were read before that.
   */
  function scan(expression: string, parts: Part[], wanted: string[], seen: Set<number>, readLimit: number) {
    const ranked: Ranked[] = [];
    let read = 0;
    for (const rowid of candidates.iterate(expression)) {
      if (read++ >= readLimit) return { ranked, complete: false };
      if (!consider(ranked, rowid, parts, wanted, seen)) break;
    }
    return { ranked, complete: true };
  }

  /** Ranks one candidate into `ranked`; false once MAX_RANKED tracks carry every word. */
  function consider(ranked: Ranked[], rowid: number, parts: Part[], wanted: string[], seen: Set<number>): boolean {
    if (seen.has(rowid) || hidden(rowid)) return true;
    const { score, whole } = rank(docs.fields(rowid), parts, wanted);
    if (score > 0) ranked.push({ rowid, score, whole, plays: docs.plays(rowid) });
    return ranked.length < MAX_RANKED;
  }

  /**
   * As `scan`, from the word lists in memory: every word with listed words is intersected there,
   * the others (a single letter, a short prefix of too many words to list) are checked on the
   * fields. Such a prefix usually matches soon, but a rare one beside a common word could be checked
   * on a third of the catalog: past the read limit `matches` would give FTS5 (whose prefix index
   * lists it), the search goes to FTS5. Undefined then, and when no word is listed.
   */
  function matchesInMemory(postings: Postings, pass: Pass, wanted: string[], seen: Set<number>, total: number): Ranked[] | undefined {
    const groups = pass.parts.flatMap((part) => (part.terms ? [part.terms.map((term) => postings.list(term))] : []));
    if (groups.length === 0) return undefined;
    const unlisted = pass.parts.some((part) => part.expression !== undefined && !part.terms);
    const readLimit = unlisted ? Math.max(SCAN_LIMIT, total / ROW_COST) : Infinity;
    const ranked: Ranked[] = [];
    let read = 0;
    forEachCommon(groups, (rowid) => ++read <= readLimit && consider(ranked, rowid, pass.parts, wanted, seen));
    return read > readLimit ? undefined : ranked;
  }

  /** The matches of one pass worth ranking, read as cheaply as the words allow. */
  function matches(pass: Pass, filter: string, wanted: string[], seen: Set<number>, total: number) {
    // Filters name a field (FTS5 column filters): only FTS5 answers those.
    const inMemory = docs.postings && !filter ? matchesInMemory(docs.postings, pass, wanted, seen, total) : undefined;
    if (inMemory) return inMemory;
    const searchable = pass.parts.filter((part) => part.expression !== undefined).sort((a, b) => a.docs - b.docs);
    if (searchable.length === 0) return [];
    for (let count = drivingParts(searchable, total); ; count++) {
      const next = searchable[count];
      // Reading on is worth it up to what walking the next word's doclist would cost. With every
      // word in FTS5 each row carries every word: only the first MAX_RANKED are read.
      const readLimit = next ? Math.max(SCAN_LIMIT, next.docs / ROW_COST) : Infinity;
      const attempt = scan(expressionOf(searchable.slice(0, count), filter), pass.parts, wanted, seen, readLimit);
      if (attempt.complete) return attempt.ranked;
    }
  }

  function details(rowids: number[]): Map<number, Details> {
    if (rowids.length === 0) return new Map();
    const rows = rowDetails(rowids.length).all(...rowids) as Details[];
    return new Map(rows.map((row) => [row.rowid, row]));
  }

  function search(query: SearchQuery): SearchResult[] {
    if (typeof query.q !== 'string') throw new CadenceError('BAD_INPUT', 'the query must be text');
    if (query.q.length > MAX_QUERY_LENGTH) throw new CadenceError('BAD_INPUT', `the query is longer than ${MAX_QUERY_LENGTH} characters`);
    const words = searchTokens(query.q).slice(0, MAX_WORDS);
    if (words.length === 0) return [];
    const limit = clampLimit(query.limit);
    const filter = filterExpression(query);
    docs.refresh();
    hidden = hiddenTracks();
    const wanted = [...words].sort();
    const total = Math.max(1, trackCount.get() ?? 0);

    const results: SearchResult[] = [];
    const seen = new Set<number>();
    for (const pass of passes(words, total)) {
      // A long query that matched as typed was typed in full: completing its last word would only
      // add weaker matches, at the price of another AND over several doclists.
      if (pass.match === 'prefix' && words.length >= 3 && results.length > 0) break;
      const chosen = matches(pass, filter, wanted, seen, total).sort(byRelevance).slice(0, limit - results.length);
      const rows = details(chosen.map((entry) => entry.rowid));
      for (const { rowid } of chosen) {
        const row = rows.get(rowid);
        if (!row) continue;
        seen.add(rowid);
        results.push({
          isrc: row.isrc,
          title: row.title,
          artists: JSON.parse(row.artists) as string[],
          album: row.album,
          upc: row.upc,
          coverSha256: row.cover_sha256,
          genre: row.genre,
          duration: row.duration,
          explicit: row.explicit === 1,
          discNumber: row.disc_number,
          trackNumber: row.track_number,
          match: pass.match,
        });
      }
      if (results.length >= limit) break;
    }
    return results;
  }

  return search;
}
