import { describe, expect, it } from 'vitest';
import { seededRandom } from '../fixtures/seeded-random.ts';
import { evaluatePreconditions, ifRangeAllowsRange, parseEntityTags, parseHttpDate, parseRangeHeader, type RangeResult } from './http-range.ts';

const huge = '9'.repeat(400);

describe('parseRangeHeader', () => {
  it.each<[string | undefined, number, RangeResult]>([
    [undefined, 100, { kind: 'none' }],
    ['', 100, { kind: 'ignored', reason: 'empty' }],
    ['   ', 100, { kind: 'ignored', reason: 'empty' }],
    ['bytes=0-0', 100, { kind: 'single', start: 0, end: 0 }],
    ['bytes=0-99', 100, { kind: 'single', start: 0, end: 99 }],
    ['bytes=0-100', 100, { kind: 'single', start: 0, end: 99 }],
    ['bytes=90-', 100, { kind: 'single', start: 90, end: 99 }],
    ['bytes=99-', 100, { kind: 'single', start: 99, end: 99 }],
    ['bytes=-1', 100, { kind: 'single', start: 99, end: 99 }],
    ['bytes=-100', 100, { kind: 'single', start: 0, end: 99 }],
    ['bytes=-101', 100, { kind: 'single', start: 0, end: 99 }],
    ['bytes=0-18446744073709551615', 100, { kind: 'single', start: 0, end: 99 }],
    ['bytes=0-9007199254740993', 100, { kind: 'single', start: 0, end: 99 }],
    [`bytes=0-${huge}`, 100, { kind: 'single', start: 0, end: 99 }],
    [`bytes=-${huge}`, 100, { kind: 'single', start: 0, end: 99 }],
    ['bytes=000000000000000000000000000005-0000000000000000000000007', 100, { kind: 'single', start: 5, end: 7 }],
    ['BYTES=1-2', 100, { kind: 'single', start: 1, end: 2 }],
    ['  bytes=1-2 , ', 100, { kind: 'single', start: 1, end: 2 }],
    ['bytes=,,1-2', 100, { kind: 'single', start: 1, end: 2 }],
    ['bytes=-0', 100, { kind: 'unsatisfiable' }],
    ['bytes=-000', 100, { kind: 'unsatisfiable' }],
    ['bytes=100-', 100, { kind: 'unsatisfiable' }],
    ['bytes=100-200', 100, { kind: 'unsatisfiable' }],
    ['bytes=18446744073709551615-', 100, { kind: 'unsatisfiable' }],
    [`bytes=${huge}-${huge}`, 100, { kind: 'unsatisfiable' }],
    ['bytes=0-0', 0, { kind: 'unsatisfiable' }],
    ['bytes=0-', 0, { kind: 'unsatisfiable' }],
    ['bytes=-5', 0, { kind: 'unsatisfiable' }],
    ['bytes=5-2', 100, { kind: 'ignored', reason: 'malformed' }],
    [`bytes=${huge}0-${huge}`, 100, { kind: 'ignored', reason: 'malformed' }],
    ['bytes=20000000000000000000-19999999999999999999', 100, { kind: 'ignored', reason: 'malformed' }],
    ['bytes=abc', 100, { kind: 'ignored', reason: 'malformed' }],
    ['bytes=', 100, { kind: 'ignored', reason: 'malformed' }],
    ['bytes=-', 100, { kind: 'ignored', reason: 'malformed' }],
    ['bytes=--1', 100, { kind: 'ignored', reason: 'malformed' }],
    ['bytes=1--2', 100, { kind: 'ignored', reason: 'malformed' }],
    ['bytes=+1-2', 100, { kind: 'ignored', reason: 'malformed' }],
    ['bytes=1 - 2', 100, { kind: 'ignored', reason: 'malformed' }],
    ['bytes=1.0-2', 100, { kind: 'ignored', reason: 'malformed' }],
    ['bytes=1e2-', 100, { kind: 'ignored', reason: 'malformed' }],
    ['bytes=0x1-2', 100, { kind: 'ignored', reason: 'malformed' }],
    ['bytes=１-２', 100, { kind: 'ignored', reason: 'malformed' }],
    ['bytes 0-1', 100, { kind: 'ignored', reason: 'malformed' }],
    ['=0-1', 100, { kind: 'ignored', reason: 'malformed' }],
    ['items=0-5', 100, { kind: 'ignored', reason: 'unknown-unit' }],
    ['bytes =0-5', 100, { kind: 'ignored', reason: 'unknown-unit' }],
    ['bytes=0-1,5-6', 100, { kind: 'ignored', reason: 'multiple-ranges' }],
    ['bytes=0-1,abc', 100, { kind: 'ignored', reason: 'multiple-ranges' }],
    [`bytes=${Array.from({ length: 200 }, () => '0-99').join(',')}`, 100, { kind: 'ignored', reason: 'multiple-ranges' }],
  ])('%j of %i bytes', (value, size, expected) => {
    expect(parseRangeHeader(value, size)).toEqual(expected);
  });

  it('reads plain `bytes=a-b` and `bytes=a-` in one match exactly as the general parser does', () => {
    // A leading space is trimmed by the general parser but keeps the header off the one-match path.
    const random = seededRandom(7);
    const digits = (length: number): string => Array.from({ length }, () => Math.floor(random() * 10)).join('');
    for (let i = 0; i < 3000; i++) {
      const first = digits(1 + Math.floor(random() * 16));
      const last = random() < 0.2 ? '' : digits(1 + Math.floor(random() * 16));
      const value = `bytes=${first}-${last}`;
      const size = [0, 1, 100, 1_000_000, 2 ** 52][Math.floor(random() * 5)]!;
      expect(parseRangeHeader(value, size), `${value} of ${size}`).toEqual(parseRangeHeader(` ${value}`, size));
    }
  });

  it('never throws and only returns ranges inside the object, whatever the input', () => {
    const alphabet = ['bytes=', '0', '1', '9', '-', ',', ' ', '99999999999999999999', 'x', '=', '.'];
    let seed = 1;
    const next = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let i = 0; i < 5000; i++) {
      const value = Array.from({ length: 1 + Math.floor(next() * 8) }, () => alphabet[Math.floor(next() * alphabet.length)]).join('');
      const size = Math.floor(next() * 3) * 50;
      const result = parseRangeHeader(value, size);
      if (result.kind === 'single') {
        expect(Number.isSafeInteger(result.start) && Number.isSafeInteger(result.end), value).toBe(true);
        expect(0 <= result.start && result.start <= result.end && result.end < size, `${value} of ${size}`).toBe(true);
      }
    }
  });
});

const ETAG = '"v1"';
const LAST_MODIFIED = new Date('2026-01-02T03:04:05.678Z');
const AT = 'Fri, 02 Jan 2026 03:04:05 GMT';
const BEFORE = 'Fri, 02 Jan 2026 03:04:04 GMT';

describe('evaluatePreconditions', () => {
  it.each<[string, string, Record<string, string>, ReturnType<typeof evaluatePreconditions>]>([
    ['no conditions', 'GET', {}, 'proceed'],
    ['If-None-Match match', 'GET', { 'If-None-Match': ETAG }, 'not-modified'],
    ['If-None-Match match on HEAD', 'HEAD', { 'If-None-Match': ETAG }, 'not-modified'],
    ['If-None-Match match on another method', 'DELETE', { 'If-None-Match': ETAG }, 'precondition-failed'],
    ['If-None-Match weak comparison', 'GET', { 'If-None-Match': 'W/"v1"' }, 'not-modified'],
    ['If-None-Match *', 'GET', { 'If-None-Match': '*' }, 'not-modified'],
    ['If-None-Match list', 'GET', { 'If-None-Match': '"a",W/"b" , "v1"' }, 'not-modified'],
    ['If-None-Match other', 'GET', { 'If-None-Match': '"v2"' }, 'proceed'],
    ['If-None-Match unquoted', 'GET', { 'If-None-Match': 'v1' }, 'proceed'],
    ['If-None-Match malformed list', 'GET', { 'If-None-Match': '"v1" "v2"' }, 'proceed'],
    ['If-Match match', 'GET', { 'If-Match': ETAG }, 'proceed'],
    ['If-Match *', 'GET', { 'If-Match': '*' }, 'proceed'],
    ['If-Match list', 'GET', { 'If-Match': '"v0", "v1"' }, 'proceed'],
    ['If-Match weak never matches', 'GET', { 'If-Match': 'W/"v1"' }, 'precondition-failed'],
    ['If-Match other', 'GET', { 'If-Match': '"v2"' }, 'precondition-failed'],
    ['If-Match garbage', 'GET', { 'If-Match': 'garbage' }, 'precondition-failed'],
    ['If-Match fails before If-None-Match', 'GET', { 'If-Match': '"v2"', 'If-None-Match': ETAG }, 'precondition-failed'],
    ['If-Unmodified-Since same second', 'GET', { 'If-Unmodified-Since': AT }, 'proceed'],
    ['If-Unmodified-Since earlier', 'GET', { 'If-Unmodified-Since': BEFORE }, 'precondition-failed'],
    ['If-Unmodified-Since ignored under If-Match', 'GET', { 'If-Match': ETAG, 'If-Unmodified-Since': BEFORE }, 'proceed'],
    ['If-Unmodified-Since garbage', 'GET', { 'If-Unmodified-Since': 'yesterday' }, 'proceed'],
    ['If-Modified-Since same second', 'GET', { 'If-Modified-Since': AT }, 'not-modified'],
    ['If-Modified-Since earlier', 'GET', { 'If-Modified-Since': BEFORE }, 'proceed'],
    ['If-Modified-Since ignored under If-None-Match', 'GET', { 'If-None-Match': '"v2"', 'If-Modified-Since': AT }, 'proceed'],
    ['If-Modified-Since ignored on other methods', 'POST', { 'If-Modified-Since': AT }, 'proceed'],
    ['If-Modified-Since list is invalid', 'GET', { 'If-Modified-Since': `${AT}, ${AT}` }, 'proceed'],
  ])('%s', (_name, method, headers, expected) => {
    expect(evaluatePreconditions({ method, headers: new Headers(headers), etag: ETAG, lastModified: LAST_MODIFIED })).toBe(expected);
  });
});

describe('ifRangeAllowsRange', () => {
  it.each<[string | null, boolean]>([
    [null, true],
    [ETAG, true],
    [` ${ETAG} `, true],
    ['W/"v1"', false],
    ['"v2"', false],
    ['"v1", "v1"', false],
    ['v1', false],
    ['"v1', false],
    [AT, true],
    [BEFORE, false],
    ['Fri, 02 Jan 2026 03:04:06 GMT', false],
    ['garbage', false],
    ['', false],
  ])('%j → %s', (value, expected) => {
    expect(ifRangeAllowsRange(value, ETAG, LAST_MODIFIED)).toBe(expected);
  });

  it('never matches a date when the object has no Last-Modified', () => {
    expect(ifRangeAllowsRange(AT, ETAG)).toBe(false);
  });
});

describe('parseEntityTags', () => {
  it.each<[string, Array<{ weak: boolean; opaque: string }> | null]>([
    ['"a"', [{ weak: false, opaque: '"a"' }]],
    ['W/"a"', [{ weak: true, opaque: '"a"' }]],
    ['""', [{ weak: false, opaque: '""' }]],
    ['"a,b", "c"', [{ weak: false, opaque: '"a,b"' }, { weak: false, opaque: '"c"' }]],
    [' , "a" ,, W/"b",', [{ weak: false, opaque: '"a"' }, { weak: true, opaque: '"b"' }]],
    ['', []],
    ['a', null],
    ['"a', null],
    ['"a" "b"', null],
    ['"a"b', null],
    ['w/"a"', null],
    ['"a b"', null],
  ])('%j', (value, expected) => {
    expect(parseEntityTags(value)).toEqual(expected);
  });
});

describe('parseHttpDate', () => {
  const seconds = Date.UTC(1994, 10, 6, 8, 49, 37) / 1000;
  it.each<[string | null, number | null]>([
    ['Sun, 06 Nov 1994 08:49:37 GMT', seconds],
    ['Sunday, 06-Nov-94 08:49:37 GMT', seconds],
    ['Sun Nov  6 08:49:37 1994', seconds],
    [' Sun, 06 Nov 1994 08:49:37 GMT ', seconds],
    [null, null],
    ['1', null],
    ['2026-01-02T03:04:05Z', null],
    ['Sun, 06 Nov 1994 08:49:37 UTC', null],
    ['Sun, 31 Feb 1994 08:49:37 GMT', null],
    ['Sun, 06 Nov 1994 24:00:00 GMT', null],
    ['Sun, 06 Foo 1994 08:49:37 GMT', null],
  ])('%j', (value, expected) => {
    expect(parseHttpDate(value)).toBe(expected);
  });
});
