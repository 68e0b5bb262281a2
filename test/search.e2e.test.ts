// Search end to end: the origin's GET /v1/search over real HTTP on a catalog file filled with the
// search fixture (the object store stays empty: search needs only the catalog), hostile queries
// included; and the `cadence search` command line, as a user runs it.

import { request as httpRequest } from 'node:http';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCatalog } from '../catalog/open-catalog.ts';
import type { SearchResult } from '../catalog/types.ts';
import { HOSTILE_QUERIES, isrcOf, loadSearchFixture } from '../fixtures/search-catalog.ts';
import { runCadence } from './helpers/cadence-cli.ts';
import { type TestOrigin, startTestOrigin } from './helpers/origin-fixture.ts';

let scratch: string;
let env: NodeJS.ProcessEnv;
let origin: TestOrigin;

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'cadence-search-'));
  await mkdir(join(scratch, 'objects'));
  env = {
    CADENCE_STORE: `file://${join(scratch, 'objects')}`,
    CADENCE_CATALOG: join(scratch, 'catalog.db'),
    CADENCE_SIGNING_KEYS: 'test:test-secret-0123456789abcdef',
  };
  const catalog = openCatalog(env.CADENCE_CATALOG!);
  try {
    loadSearchFixture(catalog);
  } finally {
    catalog.close();
  }
  origin = await startTestOrigin({ env });
});
afterAll(async () => {
  await origin?.close();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

async function searchHttp(params: Record<string, string>): Promise<{ status: number; body: { results?: SearchResult[]; error?: string } }> {
  const response = await fetch(`${origin.url}/v1/search?${new URLSearchParams(params)}`);
  expect(response.headers.get('content-type') ?? '').toMatch(/application\/json/);
  return { status: response.status, body: (await response.json()) as { results?: SearchResult[]; error?: string } };
}

/** Raw HTTP/1.1, so malformed percent-escapes reach the server exactly as written. */
function rawGet(path: string): Promise<{ status: number; body: string }> {
  const url = new URL(origin.url);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: url.hostname, port: url.port, path, method: 'GET' }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

function expectClean({ status, body }: { status: number; body: { results?: SearchResult[]; error?: string } }, what: string): void {
  expect([200, 400], `${what} → ${status} ${JSON.stringify(body).slice(0, 200)}`).toContain(status);
  if (status === 200) expect(Array.isArray(body.results), what).toBe(true);
  else expect(body.error, what).toBeTruthy();
}

describe('GET /v1/search', () => {
  it('answers a normal query with { results } best first', async () => {
    const { status, body } = await searchHttp({ q: 'beyonce crazy in love' });
    expect(status).toBe(200);
    expect(body.results?.[0]).toMatchObject({ isrc: isrcOf('Crazy in Love'), title: 'Crazy in Love', artists: ['Beyoncé', 'JAY-Z'], album: 'Dangerously in Love' });
  });

  it('forgives typos and accents over HTTP too, and honours limit, genre and artist', async () => {
    expect((await searchHttp({ q: 'metalica enter sandman' })).body.results?.[0]?.isrc).toBe(isrcOf('Enter Sandman'));
    expect((await searchHttp({ q: 'sigur rós hoppipolla' })).body.results?.[0]?.isrc).toBe(isrcOf('Hoppípolla'));
    expect((await searchHttp({ q: 'the', limit: '3' })).body.results).toHaveLength(3);
    expect((await searchHttp({ q: 'the', limit: '1000' })).body.results).toHaveLength(50);
    const rock = (await searchHttp({ q: 'love', genre: 'metal' })).body.results ?? [];
    expect(rock.map((r) => r.isrc)).toEqual([isrcOf('Love Me Like a Reptile')]);
    const indila = (await searchHttp({ q: 'love story', artist: 'indila' })).body.results ?? [];
    expect(indila.map((r) => r.isrc)).toEqual([isrcOf('Love Story', { artist: 'Indila' })]);
  });

  it('refuses a query over 200 characters with a 400 JSON reason', async () => {
    const { status, body } = await searchHttp({ q: 'x'.repeat(201) });
    expect(status).toBe(400);
    expect(body.error).toBeTruthy();
    expect((await searchHttp({ q: 'love '.repeat(40) })).status).toBe(200);
  });

  it.each(HOSTILE_QUERIES.map((entry) => [entry.name, entry.q] as const))('hostile %s: 200 or 400, never 5xx', async (name, q) => {
    expectClean(await searchHttp({ q }), `q=${name}`);
    // One filter per request: two 10 kB parameters would pass Node's 16 KiB request-head limit.
    expectClean(await searchHttp({ q: 'love', genre: q }), `genre=${name}`);
    expectClean(await searchHttp({ q: 'love', artist: q }), `artist=${name}`);
  });

  it.each([
    '/v1/search',
    '/v1/search?q=',
    '/v1/search?q=%',
    '/v1/search?q=%E0%A4%A',
    '/v1/search?q=%FF%FE',
    '/v1/search?q=%00',
    '/v1/search?q=%22%2A',
    '/v1/search?q=love&q=story',
    '/v1/search?q[]=love',
    '/v1/search?q=love&limit=abc',
    '/v1/search?q=love&limit=-1',
    '/v1/search?q=love&limit=',
    '/v1/search?q=love&limit=1e400',
    '/v1/search?q=love&limit=99999999999999999999',
    '/v1/search?q=love&genre=%',
    '/v1/search?q=love&artist=%22',
  ])('malformed %s: 200 or 400, never 5xx', async (path) => {
    const { status, body } = await rawGet(path);
    expect([200, 400], `${path} → ${status} ${body.slice(0, 200)}`).toContain(status);
    const parsed = JSON.parse(body) as { results?: unknown; error?: unknown };
    expect(status === 200 ? Array.isArray(parsed.results) : Boolean(parsed.error), body.slice(0, 200)).toBe(true);
  });
});

describe('cadence search', () => {
  it('prints matches for a query, best first', async () => {
    const result = await runCadence(['search', 'crazy in love'], { env });
    expect(result.code, result.stderr).toBe(0);
    const first = result.stdout.split('\n')[0] ?? '';
    expect(first).toContain('Crazy in Love');
    expect(first).toContain('Beyoncé');
    expect(first).toContain(isrcOf('Crazy in Love'));
  });

  it('prints one JSON document with --json and honours --limit', async () => {
    const result = await runCadence(['search', 'bjork', '--json', '--limit', '2'], { env });
    expect(result.code, result.stderr).toBe(0);
    const document = JSON.parse(result.stdout) as { results: SearchResult[] };
    expect(document.results).toHaveLength(2);
    for (const r of document.results) {
      expect(r.artists).toContain('Björk');
      expect(r).toMatchObject({ isrc: expect.any(String), title: expect.any(String), album: expect.any(String), duration: expect.any(Number) });
    }
  });

  it('refuses an over-long query with BAD_INPUT and a non-zero exit, and survives FTS syntax', async () => {
    const long = await runCadence(['search', 'x'.repeat(201)], { env });
    expect(long.code).not.toBe(0);
    expect(long.stderr).toMatch(/BAD_INPUT/);
    // NEAR is just a word (R.E.M. have a song with it); the punctuation around it is ignored.
    const syntax = await runCadence(['search', '--json', '--', 'NEAR(', '"', '-', '*'], { env });
    expect(syntax.code, syntax.stderr).toBe(0);
    expect((JSON.parse(syntax.stdout) as { results: SearchResult[] }).results[0]?.title).toBe('Near Wild Heaven');
    const punctuation = await runCadence(['search', '--json', '--', '"', '(', ')', '*'], { env });
    expect(punctuation.code, punctuation.stderr).toBe(0);
    expect(JSON.parse(punctuation.stdout)).toEqual({ results: [] });
  });
});
