// Hostile input to Catalog.search: whatever a listener (or a fuzzer) types, in the query or in a
// filter, the answer is results (possibly none) or a BAD_INPUT refusal; never an FTS5 syntax
// error, a CATALOG error or a crash, and the catalog keeps working afterwards.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CadenceError } from '../errors/cadence-error.ts';
import { HOSTILE_QUERIES, SEARCH_TRACKS, isrcOf, loadSearchFixture } from '../fixtures/search-catalog.ts';
import { openCatalog } from './open-catalog.ts';
import { SEARCH_MODES } from './test-support.ts';
import type { Catalog, SearchQuery, SearchResult } from './types.ts';

/** The catalog of the mode being run (see the describe.each below). */
let catalog: Catalog;

type Outcome = { results: SearchResult[] } | { refused: string };

/** Results, or the message of a BAD_INPUT refusal; any other failure fails the test. */
function attempt(query: SearchQuery): Outcome {
  try {
    const results = catalog.search(query);
    expect(Array.isArray(results)).toBe(true);
    for (const r of results) expect(SEARCH_TRACKS.some((track) => track.isrc === r.isrc), JSON.stringify(r)).toBe(true);
    return { results };
  } catch (error) {
    const what = error instanceof CadenceError ? `${error.code}: ${error.message}` : String(error);
    expect(error instanceof CadenceError && error.code === 'BAD_INPUT', `${JSON.stringify(query).slice(0, 120)} → ${what}`).toBe(true);
    return { refused: (error as Error).message };
  }
}

// Both ways of reading the candidates' search fields (search-docs.ts) answer every test, so neither can rot.
describe.each(SEARCH_MODES)('search fields in memory: $searchInMemory', (mode) => {
  beforeAll(() => {
    catalog = openCatalog(':memory:', mode);
    loadSearchFixture(catalog);
  });
  afterAll(() => catalog?.close());

  describe.each(HOSTILE_QUERIES.map((entry) => [entry.name, entry] as const))('%s', (_name, { q }) => {
    it('as the query: results or BAD_INPUT', () => {
      attempt({ q });
      attempt({ q, limit: 50 });
    });

    it('as a genre or artist filter: results or BAD_INPUT', () => {
      attempt({ q: 'love', genre: q });
      attempt({ q: 'love', artist: q });
      attempt({ q, genre: q, artist: q });
    });
  });

  describe('lengths', () => {
    it('accepts 200 characters and refuses 201 or more with BAD_INPUT', () => {
      expect('results' in attempt({ q: 'love '.repeat(40) })).toBe(true);
      for (const q of ['x'.repeat(201), `${'love '.repeat(40)}x`, 'lorem ipsum '.repeat(900)]) {
        const outcome = attempt({ q });
        expect('refused' in outcome, `${q.length} characters`).toBe(true);
      }
    });

    it('answers empty, blank and punctuation-only queries with no results (or a refusal)', () => {
      for (const q of ['', ' ', ' \t\n ', '!!!', '"', '*', '()', '-', ':', '^', '\0']) {
        const outcome = attempt({ q });
        if ('results' in outcome) expect(outcome.results, JSON.stringify(q)).toEqual([]);
      }
    });
  });

  describe('odd limits', () => {
    it.each([NaN, Infinity, -Infinity, 1e308, -0, 2.5, Number.MAX_SAFE_INTEGER])('limit %s: results or BAD_INPUT, at most 50', (limit) => {
      const outcome = attempt({ q: 'the', limit });
      if ('results' in outcome) {
        expect(outcome.results.length).toBeGreaterThan(0);
        expect(outcome.results.length).toBeLessThanOrEqual(50);
      }
    });
  });

  describe('operator words and punctuation are plain text', () => {
    it.each([
      ['not afraid', 'Not Afraid'],
      ['NOT AFRAID', 'Not Afraid'],
      ['near wild heaven', 'Near Wild Heaven'],
      ["it's now OR never", "It's Now or Never"],
      ['"love story" swift', 'Love Story'],
      ['love* story* swift', 'Love Story'],
      ['-love story swift', 'Love Story'],
      ['title:love story swift', 'Love Story'],
      ['(crazy) (in) (love)', 'Crazy in Love'],
      ['ac/dc hells bells', 'Hells Bells'],
      ['🎵 bohemian rhapsody 🎵', 'Bohemian Rhapsody'],
    ])('%s finds %s', (q, title) => {
      const outcome = attempt({ q });
      const want = title === 'Love Story' ? isrcOf(title, { artist: 'Taylor Swift' }) : isrcOf(title);
      expect('results' in outcome && outcome.results.slice(0, 3).map((r) => r.isrc), q).toContain(want);
    });
  });

  describe('afterwards', () => {
    it('the catalog is intact and still answers', () => {
      for (const { q } of HOSTILE_QUERIES) attempt({ q });
      expect(catalog.getTrack(isrcOf('Crazy in Love'))?.title).toBe('Crazy in Love');
      expect(catalog.listCurrent()).toHaveLength(SEARCH_TRACKS.length);
      expect(catalog.search({ q: 'crazy in love' })[0]?.isrc).toBe(isrcOf('Crazy in Love'));
    });
  });
});
