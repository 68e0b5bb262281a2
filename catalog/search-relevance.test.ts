// Search relevance over the fixture catalog: judged queries typed the way listeners type them
// (typos, no accents, half-typed, any order), and the ranking rules a listener notices: exact
// before prefix before corrected, popularity breaking ties, filters and limits.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEARCH_TRACKS, fixturePublishInput, fixtureTrack, isrcOf, loadSearchFixture } from '../fixtures/search-catalog.ts';
import { openCatalog } from './open-catalog.ts';
import { SEARCH_MODES } from './test-support.ts';
import type { Catalog, SearchQuery, SearchResult } from './types.ts';

/** The catalog of the mode being run (see the describe.each below). */
let catalog: Catalog;

function search(q: string, options: Omit<SearchQuery, 'q'> = {}): SearchResult[] {
  return catalog.search({ q, limit: 10, ...options });
}

/** Folded words, to compare names without caring about case, accents or punctuation. */
function words(text: string | null): string[] {
  return (text ?? '').normalize('NFKD').replace(/\p{M}+/gu, '').toLowerCase().split(/[^\p{L}\p{N}]+/u).filter(Boolean);
}

/** One line per result, so a failed judgement shows what came back instead. */
function show(results: SearchResult[]): string {
  return results.length === 0
    ? '(no results)'
    : results.map((r, i) => `${i + 1}. ${r.title} — ${r.artists.join(', ')} [${r.album}; ${r.genre}; ${r.match}]`).join('\n');
}

/** What a rule looks at; both search results and fixture tracks have it. */
type Named = Pick<SearchResult, 'title' | 'artists' | 'album' | 'genre'>;

interface Rule {
  label: string;
  test: (track: Named) => boolean;
}

interface Judgement {
  q: string;
  why: string;
  /** This track must be in the top 3. */
  want?: string;
  /** The top 3 (or all of them, when the fixture has fewer) satisfy this. */
  every?: Rule;
  /** At least one of the top 3 satisfies this. */
  some?: Rule;
}

const by = (artist: string): Rule => ({ label: `credits ${artist}`, test: (r) => r.artists.includes(artist) });
const inGenre = (genre: string): Rule => ({ label: `genre ${genre}`, test: (r) => r.genre === genre });
const onAlbum = (album: string): Rule => ({ label: `on ${album}`, test: (r) => r.album === album });
const titleOf = (isrc: string): string => SEARCH_TRACKS.find((track) => track.isrc === isrc)!.title;

const JUDGED: Judgement[] = [
  // Typos.
  { q: 'beatels', why: 'transposed letters in a band name', every: by('The Beatles') },
  { q: 'metalica', why: 'missing double letter', every: by('Metallica') },
  { q: 'metalica enter sandman', why: 'typo in the artist, title exact', want: isrcOf('Enter Sandman') },
  { q: 'queeen', why: 'one letter too many', every: by('Queen') },
  { q: 'queeen bohemian', why: 'typo plus a title word', want: isrcOf('Bohemian Rhapsody') },
  { q: 'sigur rso', why: 'short transposed word after an exact one', every: by('Sigur Rós') },
  { q: 'bohemian rapsody', why: 'a dropped letter in a long title word', want: isrcOf('Bohemian Rhapsody') },
  { q: 'beyonse crazy', why: 'phonetic misspelling', want: isrcOf('Crazy in Love') },
  { q: 'the wekend blinding', why: 'transposition in a stylised name', want: isrcOf('Blinding Lights') },
  { q: 'loose yourself eminem', why: 'a common English misspelling', want: isrcOf('Lose Yourself') },
  { q: 'smells like teen sprit', why: 'typo in the last word (no prefix reading)', want: isrcOf('Smells Like Teen Spirit') },
  { q: 'nothing else maters', why: 'missing double letter in a title', want: isrcOf('Nothing Else Matters') },
  { q: 'rihana umbrella', why: 'missing double letter in an artist', want: isrcOf('Umbrella') },
  { q: 'hoppipola', why: 'accent-less and one letter short', want: isrcOf('Hoppípolla') },
  // Accents, both ways.
  { q: 'bjork', why: 'no umlaut typed', every: by('Björk') },
  { q: 'björk joga', why: 'umlaut typed, acute accent not', want: isrcOf('Jóga') },
  { q: 'beyonce', why: 'no acute accent typed', every: by('Beyoncé') },
  { q: 'sigur ros', why: 'no accent typed', every: by('Sigur Rós') },
  { q: 'sigur rós hoppipolla', why: 'accent typed in the artist, not in the title', want: isrcOf('Hoppípolla') },
  { q: 'motorhead ace of spades', why: 'metal umlaut dropped', want: isrcOf('Ace of Spades') },
  { q: 'motley crue kickstart', why: 'two umlauts dropped, last word half-typed', want: isrcOf('Kickstart My Heart') },
  { q: 'celine dion my heart will go on', why: 'accent dropped, long title', want: isrcOf('My Heart Will Go On') },
  { q: 'naïve kooks', why: 'accent typed where the catalog has none', want: isrcOf('Naive') },
  { q: 'héroes bowie', why: 'accent typed where the catalog has none; quotes in the title', want: isrcOf('"Heroes"') },
  { q: 'senorita', why: 'ñ typed as n', want: isrcOf('Señorita') },
  { q: 'deja vu', why: 'lower-case title with two accents', want: isrcOf('déjà vu') },
  { q: 'dvorak largo', why: 'ř typed as r', want: isrcOf('II. Largo') },
  { q: 'fur elise', why: 'ü typed as u', want: isrcOf('Für Elise') },
  { q: 'royksopp eple', why: 'ö typed as o', want: isrcOf('Eple') },
  { q: 'frederic chopin', why: 'accent dropped in a composer', every: by('Frédéric Chopin') },
  // Half-typed.
  { q: 'tayl', why: 'first letters of an artist', some: by('Taylor Swift') },
  { q: 'crazy in lo', why: 'last word half-typed', want: isrcOf('Crazy in Love') },
  { q: 'bohem', why: 'one half-typed word', want: isrcOf('Bohemian Rhapsody') },
  { q: 'metall', why: 'half-typed band name', every: by('Metallica') },
  // `metal` is a whole word: the genre (and the title Metal Gods) match it as typed, which beats
  // reading it as the start of "Metallica"; Metallica is Metal too, so it may still appear.
  { q: 'metal', why: 'whole word: the genre, title word first', want: isrcOf('Metal Gods'), every: inGenre('Metal') },
  { q: 'daft p', why: 'half-typed second word', every: by('Daft Punk') },
  { q: 'smells like tee', why: 'half-typed last word of a title', want: isrcOf('Smells Like Teen Spirit') },
  { q: 'get luc', why: 'the original above its re-edition', want: isrcOf('Get Lucky') },
  { q: 'kany', why: 'half-typed featured artist', want: isrcOf('Run This Town') },
  // Word order.
  { q: 'swift love story', why: 'artist word picks one of two "Love Story"', want: isrcOf('Love Story', { artist: 'Taylor Swift' }) },
  { q: 'story love', why: 'title words reversed', want: isrcOf('Love Story', { artist: 'Taylor Swift' }) },
  { q: 'rhapsody bohemian queen', why: 'title reversed, artist last', want: isrcOf('Bohemian Rhapsody') },
  { q: 'lights blinding weeknd', why: 'any order', want: isrcOf('Blinding Lights') },
  // Several artists.
  { q: 'jay-z crazy in love', why: 'the featured artist, hyphenated', want: isrcOf('Crazy in Love') },
  { q: 'pharrell get lucky', why: 'second of three artists', want: isrcOf('Get Lucky') },
  { q: 'nile rodgers', why: 'third credited artist alone', want: isrcOf('Get Lucky') },
  { q: 'bowie under pressure', why: 'second artist of a duet', want: isrcOf('Under Pressure') },
  { q: 'daft punk starboy', why: 'featured on another artist’s track', want: isrcOf('Starboy') },
  { q: 'khalid', why: 'only credited as a featured artist', want: isrcOf('lovely') },
  { q: 'alicia keys empire', why: '"feat." written in the title', want: isrcOf('Empire State of Mind (feat. Alicia Keys)') },
  { q: 'mccartney', why: 'a Beatle credited on someone else’s track', want: isrcOf('The Girl Is Mine') },
  // Common words and words that are FTS5 operators.
  { q: 'love', why: 'a track titled just "Love" is the best answer', some: { label: 'titled Love', test: (r) => words(r.title).join(' ') === 'love' } },
  { q: 'all you need is love', why: 'title made only of common words', want: isrcOf('All You Need Is Love') },
  { q: 'love me do', why: 'short common words', want: isrcOf('Love Me Do') },
  { q: 'the man', why: '"the" plus one short word', want: isrcOf('The Man') },
  { q: 'the chain', why: '"the" in a title', want: isrcOf('The Chain') },
  { q: 'not afraid', why: 'NOT is a word here, not an operator', want: isrcOf('Not Afraid') },
  { q: "it's now or never", why: 'OR is a word here; apostrophe', want: isrcOf("It's Now or Never") },
  { q: 'near wild heaven', why: 'NEAR is a word here', want: isrcOf('Near Wild Heaven') },
  { q: 'and i love her', why: 'AND and a one-letter word', want: isrcOf('And I Love Her') },
  { q: 'ac/dc back in black', why: 'a slash inside a band name', want: isrcOf('Back in Black') },
  // Albums and genres.
  { q: 'abbey road', why: 'album title', every: onAlbum('Abbey Road') },
  { q: 'master of puppets', why: 'title track of the album of the same name', want: isrcOf('Master of Puppets') },
  { q: 'random access memories', why: 'album title', every: by('Daft Punk') },
  { q: 'kind of blue', why: 'album title sharing a word with other titles', every: onAlbum('Kind of Blue') },
  { q: 'post-rock', why: 'hyphenated genre', every: inGenre('Post-rock') },
  { q: 'classical', why: 'genre', every: inGenre('Classical') },
  { q: 'hip hop', why: 'genre typed without its hyphen', every: inGenre('Hip-Hop') },
  { q: 'chopin nocturne', why: 'composer plus a work', want: isrcOf('Nocturne in E-flat major, Op. 9 No. 2') },
  { q: 'ilse varga prelude', why: 'artist and title', want: isrcOf('Prelude') },
  // Case.
  { q: 'TAYLOR SWIFT', why: 'caps lock', every: by('Taylor Swift') },
  { q: 'bOhEmIaN rHaPsOdY', why: 'mixed case', want: isrcOf('Bohemian Rhapsody') },
  { q: 'humble', why: 'title stored in capitals with a full stop', want: isrcOf('HUMBLE.') },
];

// Both ways of reading the candidates' search fields (search-docs.ts) answer every test, so neither can rot.
describe.each(SEARCH_MODES)('search fields in memory: $searchInMemory', (mode) => {
  beforeAll(() => {
    catalog = openCatalog(':memory:', mode);
    loadSearchFixture(catalog);
  });
  afterAll(() => catalog?.close());

  describe('judged queries (expected answer in the top 3)', () => {
    it.each(JUDGED.map((judgement) => [judgement.q, judgement] as const))('%s', (_q, { q, why, want, every, some }) => {
      const results = search(q);
      const top = results.slice(0, 3);
      const context = `${JSON.stringify(q)} (${why}) top 3:\n${show(top)}`;
      if (want) expect(top.map((r) => r.isrc), `want ${titleOf(want)}: ${context}`).toContain(want);
      if (every) {
        const available = SEARCH_TRACKS.filter((track) => every.test(track)).length;
        expect(top.length, `${Math.min(3, available)} results: ${context}`).toBe(Math.min(3, available));
        expect(top.every(every.test), `every ${every.label}: ${context}`).toBe(true);
      }
      if (some) expect(top.some(some.test), `some ${some.label}: ${context}`).toBe(true);
    });

    it('has at least 30 judgements, each naming a fixture track or a rule', () => {
      expect(JUDGED.length).toBeGreaterThanOrEqual(30);
      for (const judgement of JUDGED) expect(judgement.want ?? judgement.every ?? judgement.some, judgement.q).toBeDefined();
    });
  });

  describe('ranking', () => {
    const rank = { exact: 0, prefix: 1, corrected: 2 } as const;

    it('labels how the words matched', () => {
      const love = isrcOf('Love Story', { artist: 'Taylor Swift' });
      expect(search('taylor swift love story')[0]).toMatchObject({ isrc: love, match: 'exact' });
      expect(search('taylor swift love sto').find((r) => r.isrc === love)?.match).toBe('prefix');
      expect(search('taylor swift lvoe story').find((r) => r.isrc === love)?.match).toBe('corrected');
    });

    it('puts exact matches above prefix matches above corrected ones', () => {
      for (const q of ['love', 'the', 'stor', 'queen', 'heart', 'beatels', 'metal', 'sigur rso', 'lov']) {
        const tiers = search(q, { limit: 50 }).map((r) => rank[r.match]);
        expect(tiers, q).toEqual([...tiers].sort((a, b) => a - b));
      }
      // A whole word typed: every track with the word comes before words that merely start with it.
      const love = search('love', { limit: 50 });
      const lovely = love.findIndex((r) => r.isrc === isrcOf('lovely'));
      expect(lovely, show(love)).toBeGreaterThan(0);
      expect(love[lovely]!.match).toBe('prefix');
      const exactLove = love.filter((r) => words(`${r.title} ${r.artists.join(' ')} ${r.album} ${r.genre}`).includes('love'));
      expect(exactLove.length).toBeGreaterThan(5);
      expect(love.slice(0, exactLove.length).every((r) => r.match === 'exact'), show(love)).toBe(true);
      expect(love.findIndex((r) => words(r.title).join(' ') === 'love')).toBeLessThan(lovely);
    });

    it('answers a lone "the" without crashing, with tracks that have the word', () => {
      const results = search('the');
      expect(results.length).toBe(10);
      expect(results[0]!.match).toBe('exact');
      for (const r of results.filter((each) => each.match === 'exact')) {
        expect(words(`${r.title} ${r.artists.join(' ')} ${r.album} ${r.genre}`), r.title).toContain('the');
      }
    });

    it('ranks the more played of two otherwise identical tracks first', () => {
      const fresh = openCatalog(':memory:', mode);
      try {
        loadSearchFixture(fresh, { plays: false });
        const onHelp = isrcOf('Yesterday', { album: 'Help!' });
        const onOne = isrcOf('Yesterday', { album: '1' });
        const order = (): string[] => fresh.search({ q: 'yesterday' }).map((r) => r.isrc);

        expect(new Set(order().slice(0, 2))).toEqual(new Set([onHelp, onOne]));
        fresh.recordPlays([{ isrc: onOne, plays: 10 }]);
        expect(order().slice(0, 2)).toEqual([onOne, onHelp]);
        fresh.recordPlays([{ isrc: onHelp, plays: 7 }, { isrc: onHelp, plays: 5 }]);
        expect(order().slice(0, 2)).toEqual([onHelp, onOne]);
      } finally {
        fresh.close();
      }
    });

    it('lets an artist word decide between two tracks with the same title', () => {
      expect(search('love story swift')[0]?.isrc).toBe(isrcOf('Love Story', { artist: 'Taylor Swift' }));
      expect(search('love story indila')[0]?.isrc).toBe(isrcOf('Love Story', { artist: 'Indila' }));
    });

    it('follows a re-published title (the index stays in step with the catalog)', () => {
      const fresh = openCatalog(':memory:', mode);
      try {
        loadSearchFixture(fresh);
        const track = fixtureTrack('Ageispolis');
        const input = fixturePublishInput(track);
        input.track.title = 'Aisatsana';
        fresh.publish(input);
        expect(fresh.search({ q: 'ageispolis' }).map((r) => r.isrc)).not.toContain(track.isrc);
        expect(fresh.search({ q: 'aisatsana' })[0]).toMatchObject({ isrc: track.isrc, title: 'Aisatsana' });
      } finally {
        fresh.close();
      }
    });
  });

  describe('filters', () => {
    it('keeps only tracks whose genre has the filter words', () => {
      const rock = search('love', { genre: 'rock', limit: 50 });
      expect(rock.length).toBeGreaterThan(3);
      for (const r of rock) expect(words(r.genre), r.title).toContain('rock');
      expect(rock.map((r) => r.isrc)).toContain(isrcOf('All You Need Is Love'));
      expect(rock.map((r) => r.isrc)).not.toContain(isrcOf('Crazy in Love'));

      expect(search('love', { genre: 'Metal' }).map((r) => r.isrc)).toEqual([isrcOf('Love Me Like a Reptile')]);
      expect(search('hoppipolla', { genre: 'post-rock' })[0]?.isrc).toBe(isrcOf('Hoppípolla'));
      expect(search('hoppipolla', { genre: 'metal' })).toEqual([]);
    });

    it('keeps only tracks crediting an artist with the filter words, accents optional', () => {
      const beyonce = search('love', { artist: 'beyonce', limit: 50 });
      // Love in the title first; then the rest of Dangerously in Love (album word).
      expect(beyonce.slice(0, 2).map((r) => r.isrc).sort(), show(beyonce)).toEqual([isrcOf('Crazy in Love'), isrcOf('Love on Top')].sort());
      expect(beyonce.map((r) => r.isrc)).toContain(isrcOf('Naughty Girl'));
      for (const r of beyonce) expect(r.artists).toContain('Beyoncé');

      expect(search('love story', { artist: 'Indila' }).map((r) => r.isrc)).toEqual([isrcOf('Love Story', { artist: 'Indila' })]);
      // A featured artist counts.
      expect(search('crazy', { artist: 'jay-z' }).map((r) => r.isrc)).toEqual([isrcOf('Crazy in Love')]);
    });

    it('combines genre and artist filters', () => {
      const results = search('love', { artist: 'the beatles', genre: 'rock', limit: 50 });
      expect(results.map((r) => r.isrc).sort()).toEqual(
        [isrcOf('Love Me Do'), isrcOf('All You Need Is Love'), isrcOf('And I Love Her'), isrcOf("Can't Buy Me Love")].sort(),
      );
      expect(search('love', { artist: 'the beatles', genre: 'metal' })).toEqual([]);
    });
  });

  describe('limit', () => {
    it('defaults to 10 and is clamped to 1–50', () => {
      expect(catalog.search({ q: 'the' })).toHaveLength(10);
      expect(search('the', { limit: 3 })).toHaveLength(3);
      expect(search('the', { limit: 50 })).toHaveLength(50);
      expect(search('the', { limit: 1000 })).toHaveLength(50);
      expect(search('the', { limit: 0 })).toHaveLength(1);
      expect(search('the', { limit: -5 })).toHaveLength(1);
      expect(search('the', { limit: 1000 })).toEqual(search('the', { limit: 50 }));
    });
  });

  describe('results', () => {
    it('carry isrc, title, artists, album, its upc and cover hash, genre, duration, explicit, position and how they matched', () => {
      const track = fixtureTrack('Crazy in Love');
      expect(search('crazy in love')[0]).toEqual({
        isrc: track.isrc,
        title: 'Crazy in Love',
        artists: ['Beyoncé', 'JAY-Z'],
        album: 'Dangerously in Love',
        upc: track.upc,
        coverSha256: null,
        genre: 'R&B',
        duration: track.durationSeconds,
        explicit: false,
        discNumber: 1,
        trackNumber: fixturePublishInput(track).track.trackNumber,
        match: 'exact',
      });
    });

    it('keep names exactly as delivered (accents, punctuation, capitals)', () => {
      expect(search('sigur ros glosoli')[0]).toMatchObject({ title: 'Glósóli', artists: ['Sigur Rós'], album: 'Takk...' });
      expect(search('heroes bowie')[0]).toMatchObject({ title: '"Heroes"', album: '"Heroes"' });
      expect(search('love kendrick')[0]).toMatchObject({ title: 'LOVE.', artists: ['Kendrick Lamar', 'Zacari'], album: 'DAMN.' });
    });

    it('never return the same track twice', () => {
      for (const q of ['love', 'the', 'metal', 'beatels', 'lov', 'daft p']) {
        const isrcs = search(q, { limit: 50 }).map((r) => r.isrc);
        expect(new Set(isrcs).size, q).toBe(isrcs.length);
      }
    });
  });
});
