import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync, gzipSync } from 'node:zlib';
import { serve, type ServerType } from '@hono/node-server';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  acceptsGzip,
  completeAnswer,
  gzipEtagOf,
  type ObjectRequest,
  planObjectAnswer,
  type RespondOptions,
  type ByteRange,
  type ServableObject,
} from './object-response.ts';
import { expectedBytes, RANGE_CASES, rangeCaseBodies, type CaseValidators, type RangeCase, type RangeCaseObject } from './range-cases.ts';

/** Plan, read and wrap in a fetch Response: how these tests drive object answers through hono. */
async function respondWithObject(request: ObjectRequest, object: ServableObject, options: Partial<RespondOptions> = {}): Promise<Response> {
  const { status, headers, body } = await completeAnswer(planObjectAnswer(request, object, { cacheControl: 'no-cache', ...options }), object);
  // The DOM typings admit only ArrayBuffer-backed views; fetch accepts any Uint8Array at runtime.
  return new Response((Array.isArray(body) ? Buffer.concat(body) : body) as BodyInit | null, { status, headers });
}

// Sub-second on purpose: HTTP dates have whole seconds, and comparisons must still match.
const LAST_MODIFIED = new Date('2026-01-02T03:04:05.678Z');
const BODIES = rangeCaseBodies();
const ETAGS: Record<RangeCaseObject, string> = { media: '"rc.media.1"', manifest: '"rc.manifest.1"', empty: '"rc.empty.1"' };
const CACHE_CONTROL: Record<RangeCaseObject, string> = {
  media: 'public, max-age=31536000, immutable',
  manifest: 'public, max-age=60',
  empty: 'public, max-age=31536000, immutable',
};
const CONTENT_TYPE: Record<RangeCaseObject, string> = { media: 'audio/mp4', manifest: 'application/vnd.apple.mpegurl', empty: 'audio/mp4' };

type ReadMode = 'bytes' | 'stream';

function validatorsOf(object: RangeCaseObject): CaseValidators {
  return { etag: ETAGS[object], lastModified: LAST_MODIFIED.toUTCString() };
}

/** An in-memory object that records every read, answering with bytes or with a chunked stream. */
function servable(name: RangeCaseObject, mode: ReadMode, reads: ByteRange[]): ServableObject {
  const bytes = BODIES[name];
  return {
    size: bytes.length,
    etag: ETAGS[name],
    lastModified: LAST_MODIFIED,
    contentType: CONTENT_TYPE[name],
    read: async (range) => {
      reads.push(range);
      const slice = bytes.slice(range.start, range.end + 1);
      if (mode === 'bytes') return slice;
      return new ReadableStream<Uint8Array>({
        start(controller) {
          for (let at = 0; at < slice.length; at += 777) controller.enqueue(slice.subarray(at, at + 777));
          controller.close();
        },
      });
    },
  };
}

function makeApp(mode: ReadMode): { app: Hono; reads: ByteRange[] } {
  const reads: ByteRange[] = [];
  const app = new Hono();
  // `all` so that other methods reach respondWithObject and get its 405.
  app.all('/objects/:name', (c) => {
    const name = c.req.param('name');
    if (!Object.hasOwn(BODIES, name)) return c.notFound();
    const object = name as RangeCaseObject;
    return respondWithObject(c.req.raw, servable(object, mode, reads), { cacheControl: CACHE_CONTROL[object], compressible: object === 'manifest' });
  });
  return { app, reads };
}

interface Observed {
  status: number;
  headers: Headers;
  body: Uint8Array;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.byteLength), Buffer.from(b.buffer, b.byteOffset, b.byteLength)) === 0;
}

/** Everything a client may rely on for one case, checked against the observed response. */
function checkCase(testCase: RangeCase, observed: Observed, reads: ByteRange[]): void {
  const { status, headers, body } = observed;
  const object = BODIES[testCase.object];
  const size = object.length;
  const { etag } = validatorsOf(testCase.object);
  const gzipped = testCase.encoding === 'gzip';

  expect(status).toBeLessThan(500);
  expect(status).toBe(testCase.status);

  const expected = expectedBytes(testCase.body, object);
  const decoded = gzipped && testCase.body !== 'none' ? new Uint8Array(gunzipSync(body)) : body;
  expect(decoded.length, 'body length').toBe(expected.length);
  expect(sameBytes(decoded, expected), 'body bytes').toBe(true);

  expect(headers.get('content-encoding')).toBe(gzipped && status === 200 ? 'gzip' : null);
  expect(headers.get('vary')).toBe(testCase.object === 'manifest' && status !== 405 ? 'Accept-Encoding' : null);

  if (status === 200 || status === 206 || status === 304) {
    expect(headers.get('etag')).toBe(gzipped ? gzipEtagOf(etag) : etag);
    expect(headers.get('last-modified')).toBe(LAST_MODIFIED.toUTCString());
    expect(headers.get('cache-control')).toBe(CACHE_CONTROL[testCase.object]);
  } else {
    expect(headers.get('cache-control')).toBe('no-store');
  }

  if (status === 200 || status === 206) {
    expect(headers.get('accept-ranges')).toBe('bytes');
    expect(headers.get('content-type')).toBe(CONTENT_TYPE[testCase.object]);
    const length = testCase.method === 'HEAD' ? (gzipped ? null : String(size)) : String(body.length);
    expect(headers.get('content-length')).toBe(length);
  }
  if (status === 206) {
    const [start, end] = testCase.body === 'whole' ? [0, size - 1] : typeof testCase.body === 'object' ? [testCase.body.start, testCase.body.end] : [NaN, NaN];
    expect(headers.get('content-range')).toBe(`bytes ${start}-${end}/${size}`);
    expect(reads).toEqual([{ start, end }]);
  } else if (status === 416) {
    expect(headers.get('content-range')).toBe(`bytes */${size}`);
    expect(headers.get('content-length')).toBe('0');
  } else {
    expect(headers.get('content-range')).toBeNull();
  }
  if (status === 304) {
    expect(headers.get('content-length')).toBeNull();
    expect(headers.get('content-type')).toBeNull();
  }
  if (status === 405) expect(headers.get('allow')).toBe('GET, HEAD');

  // HEAD and bodiless answers never touch storage; a full GET reads the object once.
  if (testCase.body === 'none' || size === 0) expect(reads).toEqual([]);
  else if (status === 200) expect(reads).toEqual([{ start: 0, end: size - 1 }]);
}

describe.each(['bytes', 'stream'] as const)('respondWithObject through app.request (read returns %s)', (mode) => {
  const { app, reads } = makeApp(mode);

  it.each(RANGE_CASES.map((testCase) => [testCase.name, testCase] as const))('%s', async (_name, testCase) => {
    reads.length = 0;
    const response = await app.request(`/objects/${testCase.object}`, { method: testCase.method, headers: testCase.headers(validatorsOf(testCase.object)) });
    const body = new Uint8Array(await response.arrayBuffer());
    checkCase(testCase, { status: response.status, headers: response.headers, body }, reads);
  });
});

/** A raw HTTP/1.1 exchange: node:http neither adds Accept-Encoding nor decodes gzip (fetch does both). */
function exchange(port: number, path: string, method: string, headers: Record<string, string>): Promise<Observed> {
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest({ host: '127.0.0.1', port, path, method, headers }, (incoming) => {
      const chunks: Buffer[] = [];
      incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
      incoming.on('error', reject);
      incoming.on('end', () => {
        const received = new Headers();
        for (let i = 0; i < incoming.rawHeaders.length; i += 2) received.append(incoming.rawHeaders[i]!, incoming.rawHeaders[i + 1]!);
        resolve({ status: incoming.statusCode ?? 0, headers: received, body: new Uint8Array(Buffer.concat(chunks)) });
      });
    });
    outgoing.on('error', reject);
    outgoing.end();
  });
}

describe.each(['bytes', 'stream'] as const)('respondWithObject over HTTP via @hono/node-server (read returns %s)', (mode) => {
  const { app, reads } = makeApp(mode);
  let server: ServerType;
  let port = 0;

  beforeAll(async () => {
    await new Promise<void>((resolve) => {
      server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, (info: AddressInfo) => {
        port = info.port;
        resolve();
      });
    });
  });
  afterAll(async () => {
    await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
  });

  it.each(RANGE_CASES.map((testCase) => [testCase.name, testCase] as const))('%s', async (_name, testCase) => {
    reads.length = 0;
    const observed = await exchange(port, `/objects/${testCase.object}`, testCase.method, testCase.headers(validatorsOf(testCase.object)));
    checkCase(testCase, observed, reads);
    // Node frames every body by length: never chunked, so a truncated read is detectable.
    expect(observed.headers.get('transfer-encoding')).toBeNull();
  });
});

describe('respondWithObject', () => {
  const base = (overrides: Partial<ServableObject> = {}): ServableObject => ({
    size: 4,
    etag: '"abc"',
    contentType: 'application/octet-stream',
    read: async ({ start, end }) => new Uint8Array([1, 2, 3, 4]).slice(start, end + 1),
    ...overrides,
  });

  it('refuses an object whose ETag is not strong and quoted (a bug of ours, not the client’s)', async () => {
    await expect(respondWithObject(new Request('http://x/'), base({ etag: 'W/"abc"' }))).rejects.toThrow(/strong/);
    await expect(respondWithObject(new Request('http://x/'), base({ etag: 'abc' }))).rejects.toThrow(/strong/);
  });

  it('refuses a read that returns a different number of bytes than the Content-Length it promised', async () => {
    const object = base({ read: async () => new Uint8Array(3) });
    await expect(respondWithObject(new Request('http://x/'), object)).rejects.toThrow(/returned 3 bytes, expected 4/);
  });

  it('sends no Last-Modified, and ignores date conditions, when the object has no date', async () => {
    const response = await respondWithObject(
      new Request('http://x/', { headers: { 'If-Modified-Since': 'Thu, 01 Jan 2099 00:00:00 GMT', 'If-Unmodified-Since': 'Thu, 01 Jan 1970 00:00:00 GMT' } }),
      base(),
    );
    expect(response.status).toBe(200);
    expect(response.headers.get('last-modified')).toBeNull();
    expect(new Uint8Array(await response.arrayBuffer())).toEqual(new Uint8Array([1, 2, 3, 4]));
  });

  it('sends a precompressed body with its length, without reading, and ranges of the identity bytes', async () => {
    const text = new TextEncoder().encode('#EXTM3U\n#EXT-X-VERSION:7\n');
    const reads: ByteRange[] = [];
    const object = base({ size: text.length, read: async (range) => (reads.push(range), text.slice(range.start, range.end + 1)), gzipped: gzipSync(text) });
    const gzipOnly = { headers: { 'Accept-Encoding': 'gzip' } };
    const whole = await respondWithObject(new Request('http://x/', gzipOnly), object, { compressible: true });
    expect(whole.headers.get('content-encoding')).toBe('gzip');
    const body = new Uint8Array(await whole.arrayBuffer());
    expect(whole.headers.get('content-length')).toBe(String(body.length));
    expect(gunzipSync(body)).toEqual(Buffer.from(text));
    const head = await respondWithObject(new Request('http://x/', { ...gzipOnly, method: 'HEAD' }), object, { compressible: true });
    expect(head.headers.get('content-length')).toBe(String(body.length));
    expect(reads).toEqual([]);
    const ranged = await respondWithObject(new Request('http://x/', { headers: { 'Accept-Encoding': 'gzip', Range: 'bytes=0-6' } }), object, { compressible: true });
    expect(ranged.status).toBe(206);
    expect(ranged.headers.get('content-encoding')).toBeNull();
    expect(new TextDecoder().decode(await ranged.arrayBuffer())).toBe('#EXTM3U');
  });

  it('keeps a Range honoured by If-Range with a date only when the object has that exact date', async () => {
    const request = new Request('http://x/', { headers: { Range: 'bytes=1-2', 'If-Range': 'Fri, 02 Jan 2026 03:04:05 GMT' } });
    expect((await respondWithObject(request, base())).status).toBe(200);
    expect((await respondWithObject(request, base({ lastModified: LAST_MODIFIED }))).status).toBe(206);
  });
});

describe('acceptsGzip', () => {
  it.each([
    [null, false],
    ['', false],
    ['gzip', true],
    ['GZIP', true],
    ['x-gzip', true],
    ['deflate, br', false],
    ['br, *;q=0.1', true],
    ['*;q=0', false],
    ['gzip;q=0, *', false],
    ['gzip;q=0.000', false],
    ['gzip;q=0.001', true],
    ['gzip; q=1.0', true],
    ['gzip;q=1.5', false],
    ['gzip;q=', false],
    ['identity;q=1, gzip;q=0.2', true],
  ] as const)('%j → %s', (value, expected) => {
    expect(acceptsGzip(value)).toBe(expected);
  });
});
