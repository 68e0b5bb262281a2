// The HTTP behaviour of object responses as data: one row per request, with the status and bytes
// a client must get. Unit tests run it through a hono app in memory; the same rows can be run
// against a live origin over HTTP once the three objects below are stored there.

import { seededRandom } from '../fixtures/seeded-random.ts';
import { gzipEtagOf } from './object-response.ts';

/** Which stored object a case addresses: media bytes, a gzip-able manifest, or a 0-byte object. */
export type RangeCaseObject = 'media' | 'manifest' | 'empty';

/** The validators of the object under test, as a client would have seen them. */
export interface CaseValidators {
  /** Strong, quoted ETag of the identity representation. */
  etag: string;
  /** Last-Modified as an HTTP-date. */
  lastModified: string;
}

/** What the body must be: nothing, the whole object, or inclusive byte positions of it. */
export type ExpectedBody = 'none' | 'whole' | { start: number; end: number };

export interface RangeCase {
  name: string;
  object: RangeCaseObject;
  method: string;
  headers: (validators: CaseValidators) => Record<string, string>;
  status: number;
  body: ExpectedBody;
  /** Content-Encoding of the answer (and so which ETag it carries); identity when absent. */
  encoding?: 'gzip';
}

export const RANGE_CASE_MEDIA_SIZE = 10_000;

/** Deterministic contents for the three objects, so a live run can store the same bytes. */
export function rangeCaseBodies(): Record<RangeCaseObject, Uint8Array> {
  return { media: pseudoRandomBytes(RANGE_CASE_MEDIA_SIZE, 0x5eed), manifest: new TextEncoder().encode(sampleManifest()), empty: new Uint8Array(0) };
}

/** The bytes a case's body must equal (before any content coding), given the object's bytes. */
export function expectedBytes(body: ExpectedBody, bytes: Uint8Array): Uint8Array {
  if (body === 'none') return new Uint8Array(0);
  if (body === 'whole') return bytes;
  return bytes.subarray(body.start, body.end + 1);
}

type GetCase = Omit<RangeCase, 'method'> & {
  /** Where HEAD differs from the default (the status GET would have without its Range). */
  head?: { encoding?: 'gzip' };
};

const none = (): Record<string, string> => ({});
const range = (value: string) => (): Record<string, string> => ({ Range: value });
const slice = (start: number, end: number): ExpectedBody => ({ start, end });
const LAST = RANGE_CASE_MEDIA_SIZE - 1;
const STALE = '"stale-etag"';
const EARLIER = 'Thu, 01 Jan 2015 00:00:00 GMT';

const MEDIA_CASES: GetCase[] = [
  { name: 'no Range', object: 'media', headers: none, status: 200, body: 'whole' },
  { name: 'bytes=0-0', object: 'media', headers: range('bytes=0-0'), status: 206, body: slice(0, 0) },
  { name: 'bytes=0-99', object: 'media', headers: range('bytes=0-99'), status: 206, body: slice(0, 99) },
  { name: 'bytes=9990-', object: 'media', headers: range('bytes=9990-'), status: 206, body: slice(9990, LAST) },
  { name: 'bytes=-1', object: 'media', headers: range('bytes=-1'), status: 206, body: slice(LAST, LAST) },
  { name: 'bytes=-100', object: 'media', headers: range('bytes=-100'), status: 206, body: slice(9900, LAST) },
  { name: 'suffix longer than the object', object: 'media', headers: range('bytes=-20000'), status: 206, body: slice(0, LAST) },
  { name: 'last-byte-pos 2^64-1 is clamped', object: 'media', headers: range('bytes=0-18446744073709551615'), status: 206, body: slice(0, LAST) },
  { name: 'last-byte-pos of 30 digits is clamped', object: 'media', headers: range(`bytes=${LAST}-${'9'.repeat(30)}`), status: 206, body: slice(LAST, LAST) },
  { name: 'suffix of 30 digits is the whole object', object: 'media', headers: range(`bytes=-${'9'.repeat(30)}`), status: 206, body: slice(0, LAST) },
  { name: 'leading zeros', object: 'media', headers: range(`bytes=${'0'.repeat(40)}1-0002`), status: 206, body: slice(1, 2) },
  { name: 'unit is case-insensitive', object: 'media', headers: range('Bytes=0-9'), status: 206, body: slice(0, 9) },
  { name: 'whitespace and an empty list member', object: 'media', headers: range('bytes= 0-9 ,'), status: 206, body: slice(0, 9) },
  { name: 'last byte exactly', object: 'media', headers: range(`bytes=${LAST}-${LAST}`), status: 206, body: slice(LAST, LAST) },
  { name: 'bytes=-0 is unsatisfiable', object: 'media', headers: range('bytes=-0'), status: 416, body: 'none' },
  { name: 'bytes=10000- is unsatisfiable', object: 'media', headers: range('bytes=10000-'), status: 416, body: 'none' },
  { name: 'bytes=10000-20000 is unsatisfiable', object: 'media', headers: range('bytes=10000-20000'), status: 416, body: 'none' },
  { name: 'first-byte-pos 2^64-1 is unsatisfiable', object: 'media', headers: range('bytes=18446744073709551615-'), status: 416, body: 'none' },
  { name: 'bytes=5-2 is invalid, ignored', object: 'media', headers: range('bytes=5-2'), status: 200, body: 'whole' },
  { name: 'huge reversed range is invalid, ignored', object: 'media', headers: range(`bytes=2${'0'.repeat(25)}-1${'9'.repeat(25)}`), status: 200, body: 'whole' },
  { name: 'bytes=abc is ignored', object: 'media', headers: range('bytes=abc'), status: 200, body: 'whole' },
  { name: 'bytes= is ignored', object: 'media', headers: range('bytes='), status: 200, body: 'whole' },
  { name: 'bytes=- is ignored', object: 'media', headers: range('bytes=-'), status: 200, body: 'whole' },
  { name: 'bytes=--5 is ignored', object: 'media', headers: range('bytes=--5'), status: 200, body: 'whole' },
  { name: 'negative first-byte-pos is ignored', object: 'media', headers: range('bytes=-5-10'), status: 200, body: 'whole' },
  { name: 'decimal positions are ignored', object: 'media', headers: range('bytes=1.5-3'), status: 200, body: 'whole' },
  { name: 'hex positions are ignored', object: 'media', headers: range('bytes=0x10-0x20'), status: 200, body: 'whole' },
  { name: 'exponent positions are ignored', object: 'media', headers: range('bytes=1e3-2e3'), status: 200, body: 'whole' },
  { name: 'empty Range value is ignored', object: 'media', headers: range(''), status: 200, body: 'whole' },
  { name: 'unknown unit items=0-5 is ignored', object: 'media', headers: range('items=0-5'), status: 200, body: 'whole' },
  { name: 'two ranges: whole object', object: 'media', headers: range('bytes=0-1,5-6'), status: 200, body: 'whole' },
  { name: '200 overlapping ranges: whole object', object: 'media', headers: range(`bytes=${Array.from({ length: 200 }, (_, i) => `${i}-${LAST}`).join(',')}`), status: 200, body: 'whole' },
  { name: 'valid and unsatisfiable ranges together: whole object', object: 'media', headers: range('bytes=0-1,20000-'), status: 200, body: 'whole' },

  { name: 'If-Range current ETag', object: 'media', headers: ({ etag }) => ({ Range: 'bytes=0-99', 'If-Range': etag }), status: 206, body: slice(0, 99) },
  { name: 'If-Range weak ETag: full', object: 'media', headers: ({ etag }) => ({ Range: 'bytes=0-99', 'If-Range': `W/${etag}` }), status: 200, body: 'whole' },
  { name: 'If-Range stale ETag: full', object: 'media', headers: () => ({ Range: 'bytes=0-99', 'If-Range': STALE }), status: 200, body: 'whole' },
  { name: 'If-Range two ETags: full', object: 'media', headers: ({ etag }) => ({ Range: 'bytes=0-99', 'If-Range': `${etag}, ${etag}` }), status: 200, body: 'whole' },
  { name: 'If-Range exact Last-Modified', object: 'media', headers: ({ lastModified }) => ({ Range: 'bytes=0-99', 'If-Range': lastModified }), status: 206, body: slice(0, 99) },
  { name: 'If-Range earlier date: full', object: 'media', headers: () => ({ Range: 'bytes=0-99', 'If-Range': EARLIER }), status: 200, body: 'whole' },
  { name: 'If-Range garbage: full', object: 'media', headers: () => ({ Range: 'bytes=0-99', 'If-Range': 'garbage' }), status: 200, body: 'whole' },
  { name: 'If-Range current ETag, unsatisfiable range', object: 'media', headers: ({ etag }) => ({ Range: 'bytes=10000-', 'If-Range': etag }), status: 416, body: 'none' },
  { name: 'If-Range stale ETag, unsatisfiable range: full', object: 'media', headers: () => ({ Range: 'bytes=10000-', 'If-Range': STALE }), status: 200, body: 'whole' },
  { name: 'If-Range without Range', object: 'media', headers: () => ({ 'If-Range': STALE }), status: 200, body: 'whole' },

  { name: 'If-None-Match current ETag', object: 'media', headers: ({ etag }) => ({ 'If-None-Match': etag }), status: 304, body: 'none' },
  { name: 'If-None-Match weak form of current ETag', object: 'media', headers: ({ etag }) => ({ 'If-None-Match': `W/${etag}` }), status: 304, body: 'none' },
  { name: 'If-None-Match *', object: 'media', headers: () => ({ 'If-None-Match': '*' }), status: 304, body: 'none' },
  { name: 'If-None-Match list containing current ETag', object: 'media', headers: ({ etag }) => ({ 'If-None-Match': `${STALE}, W/"x" ,${etag}` }), status: 304, body: 'none' },
  { name: 'If-None-Match stale ETag', object: 'media', headers: () => ({ 'If-None-Match': STALE }), status: 200, body: 'whole' },
  { name: 'If-None-Match stale ETag with Range', object: 'media', headers: () => ({ 'If-None-Match': STALE, Range: 'bytes=0-99' }), status: 206, body: slice(0, 99) },
  { name: 'If-None-Match current ETag with Range', object: 'media', headers: ({ etag }) => ({ 'If-None-Match': etag, Range: 'bytes=0-99' }), status: 304, body: 'none' },
  { name: 'If-None-Match current ETag beats an unsatisfiable Range', object: 'media', headers: ({ etag }) => ({ 'If-None-Match': etag, Range: 'bytes=10000-' }), status: 304, body: 'none' },
  { name: 'If-None-Match malformed', object: 'media', headers: () => ({ 'If-None-Match': 'abc' }), status: 200, body: 'whole' },
  { name: 'If-Modified-Since Last-Modified', object: 'media', headers: ({ lastModified }) => ({ 'If-Modified-Since': lastModified }), status: 304, body: 'none' },
  { name: 'If-Modified-Since earlier', object: 'media', headers: () => ({ 'If-Modified-Since': EARLIER }), status: 200, body: 'whole' },
  { name: 'If-Modified-Since garbage', object: 'media', headers: () => ({ 'If-Modified-Since': '1' }), status: 200, body: 'whole' },
  { name: 'If-None-Match takes precedence over If-Modified-Since', object: 'media', headers: ({ lastModified }) => ({ 'If-None-Match': STALE, 'If-Modified-Since': lastModified }), status: 200, body: 'whole' },

  { name: 'If-Match current ETag', object: 'media', headers: ({ etag }) => ({ 'If-Match': etag, Range: 'bytes=0-99' }), status: 206, body: slice(0, 99) },
  { name: 'If-Match *', object: 'media', headers: () => ({ 'If-Match': '*' }), status: 200, body: 'whole' },
  { name: 'If-Match stale ETag', object: 'media', headers: () => ({ 'If-Match': STALE }), status: 412, body: 'none' },
  { name: 'If-Match weak form fails strong comparison', object: 'media', headers: ({ etag }) => ({ 'If-Match': `W/${etag}` }), status: 412, body: 'none' },
  { name: 'If-Match stale ETag beats Range', object: 'media', headers: () => ({ 'If-Match': STALE, Range: 'bytes=0-99' }), status: 412, body: 'none' },
  { name: 'If-Unmodified-Since earlier', object: 'media', headers: () => ({ 'If-Unmodified-Since': EARLIER }), status: 412, body: 'none' },
  { name: 'If-Unmodified-Since Last-Modified', object: 'media', headers: ({ lastModified }) => ({ 'If-Unmodified-Since': lastModified }), status: 200, body: 'whole' },
];

const gzipAccepted = { 'Accept-Encoding': 'gzip, deflate, br' };

const MANIFEST_CASES: GetCase[] = [
  { name: 'manifest without Accept-Encoding', object: 'manifest', headers: none, status: 200, body: 'whole' },
  { name: 'manifest, gzip accepted', object: 'manifest', headers: () => gzipAccepted, status: 200, body: 'whole', encoding: 'gzip' },
  { name: 'manifest, gzip by weight', object: 'manifest', headers: () => ({ 'Accept-Encoding': 'br;q=1, gzip;q=0.5' }), status: 200, body: 'whole', encoding: 'gzip' },
  { name: 'manifest, Accept-Encoding *', object: 'manifest', headers: () => ({ 'Accept-Encoding': '*' }), status: 200, body: 'whole', encoding: 'gzip' },
  { name: 'manifest, gzip;q=0', object: 'manifest', headers: () => ({ 'Accept-Encoding': 'gzip;q=0, identity' }), status: 200, body: 'whole' },
  { name: 'manifest, identity only', object: 'manifest', headers: () => ({ 'Accept-Encoding': 'identity' }), status: 200, body: 'whole' },
  { name: 'manifest, malformed weight', object: 'manifest', headers: () => ({ 'Accept-Encoding': 'gzip;q=abc' }), status: 200, body: 'whole' },
  { name: 'manifest, gzip accepted, Range: identity 206', object: 'manifest', headers: () => ({ ...gzipAccepted, Range: 'bytes=0-99' }), status: 206, body: slice(0, 99), head: { encoding: 'gzip' } },
  { name: 'manifest, gzip accepted, long suffix: identity 206', object: 'manifest', headers: () => ({ ...gzipAccepted, Range: 'bytes=-1000000' }), status: 206, body: 'whole', head: { encoding: 'gzip' } },
  { name: 'manifest, gzip accepted, invalid Range: gzip 200', object: 'manifest', headers: () => ({ ...gzipAccepted, Range: 'bytes=5-2' }), status: 200, body: 'whole', encoding: 'gzip' },
  { name: 'manifest, gzip accepted, two ranges: gzip 200', object: 'manifest', headers: () => ({ ...gzipAccepted, Range: 'bytes=0-1,3-4' }), status: 200, body: 'whole', encoding: 'gzip' },
  { name: 'manifest, gzip accepted, stale If-Range: gzip 200', object: 'manifest', headers: () => ({ ...gzipAccepted, Range: 'bytes=0-99', 'If-Range': STALE }), status: 200, body: 'whole', encoding: 'gzip' },
  { name: 'manifest, gzip ETag in If-Range: gzip 200', object: 'manifest', headers: ({ etag }) => ({ ...gzipAccepted, Range: 'bytes=0-99', 'If-Range': gzipEtagOf(etag) }), status: 200, body: 'whole', encoding: 'gzip' },
  { name: 'manifest, gzip accepted, If-None-Match gzip ETag', object: 'manifest', headers: ({ etag }) => ({ ...gzipAccepted, 'If-None-Match': gzipEtagOf(etag) }), status: 304, body: 'none', encoding: 'gzip' },
  { name: 'manifest, gzip accepted, If-None-Match identity ETag: other representation', object: 'manifest', headers: ({ etag }) => ({ ...gzipAccepted, 'If-None-Match': etag }), status: 200, body: 'whole', encoding: 'gzip' },
  { name: 'manifest, identity, If-None-Match identity ETag', object: 'manifest', headers: ({ etag }) => ({ 'If-None-Match': etag }), status: 304, body: 'none' },
  { name: 'manifest, gzip accepted, unsatisfiable Range', object: 'manifest', headers: () => ({ ...gzipAccepted, Range: 'bytes=1000000-' }), status: 416, body: 'none', head: { encoding: 'gzip' } },
];

const EMPTY_CASES: GetCase[] = [
  { name: 'empty object', object: 'empty', headers: none, status: 200, body: 'whole' },
  { name: 'empty object, bytes=0-0', object: 'empty', headers: range('bytes=0-0'), status: 416, body: 'none' },
  { name: 'empty object, bytes=0-', object: 'empty', headers: range('bytes=0-'), status: 416, body: 'none' },
  { name: 'empty object, bytes=-1', object: 'empty', headers: range('bytes=-1'), status: 416, body: 'none' },
  { name: 'empty object, bytes=-0', object: 'empty', headers: range('bytes=-0'), status: 416, body: 'none' },
  { name: 'empty object, bytes=abc', object: 'empty', headers: range('bytes=abc'), status: 200, body: 'whole' },
  { name: 'empty object, If-None-Match', object: 'empty', headers: ({ etag }) => ({ 'If-None-Match': etag }), status: 304, body: 'none' },
];

/**
 * HEAD gets GET's headers without a body, but Range is defined for GET only (RFC 9110 §14.2), so a
 * HEAD that GET would answer 206 or 416 is answered 200 with the whole object's length.
 */
function headOf({ head, ...getCase }: GetCase): RangeCase {
  const ranged = getCase.status === 206 || getCase.status === 416;
  const { encoding, ...rest } = getCase;
  const headEncoding = head?.encoding ?? (ranged ? undefined : encoding);
  return {
    ...rest,
    ...(headEncoding ? { encoding: headEncoding } : {}),
    name: `HEAD ${getCase.name}`,
    method: 'HEAD',
    status: ranged ? 200 : getCase.status,
    body: 'none',
  };
}

const GET_CASES = [...MEDIA_CASES, ...MANIFEST_CASES, ...EMPTY_CASES];

export const RANGE_CASES: readonly RangeCase[] = [
  ...GET_CASES.map(({ head: _head, ...getCase }): RangeCase => ({ ...getCase, name: `GET ${getCase.name}`, method: 'GET' })),
  ...GET_CASES.map(headOf),
  ...['POST', 'PUT', 'DELETE', 'OPTIONS'].map((method): RangeCase => ({ name: `${method} is not allowed`, object: 'media', method, headers: range('bytes=0-9'), status: 405, body: 'none' })),
];

/** Seeded, so a failing case can be replayed. */
function pseudoRandomBytes(length: number, seed: number): Uint8Array {
  const random = seededRandom(seed);
  return Uint8Array.from({ length }, () => (random() * 2 ** 32) & 0xff);
}

/** A byte-range HLS media playlist of realistic size (a few KB, very compressible). */
function sampleManifest(): string {
  const lines = ['#EXTM3U', '#EXT-X-VERSION:7', '#EXT-X-TARGETDURATION:6', '#EXT-X-PLAYLIST-TYPE:VOD', '#EXT-X-INDEPENDENT-SEGMENTS', '#EXT-X-MAP:URI="aac-160.mp4",BYTERANGE="1024@0"'];
  let offset = 1024;
  for (let i = 0; i < 40; i++) {
    const length = 120_000 + ((i * 7919) % 4000);
    lines.push('#EXTINF:6.000000,', `#EXT-X-BYTERANGE:${length}@${offset}`, 'aac-160.mp4');
    offset += length;
  }
  lines.push('#EXT-X-ENDLIST', '');
  return lines.join('\n');
}
