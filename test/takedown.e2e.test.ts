// Rights over real HTTP: a takedown while a player is playing through the origin (grants refused
// at once, media under the earlier token within seconds, remembered paths included), restore,
// release takedowns kept by reindex, the nginx edge purged by the hook, unreleased tracks out of
// search and metadata, and a spoofed country header from an address that is not the CDN.

import { request as httpRequest } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Parser } from 'm3u8-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCatalog } from '../catalog/open-catalog.ts';
import type { PlaybackGrant } from '../origin/types.ts';
import { REPO_ROOT, runCadence } from './helpers/cadence-cli.ts';
import { authorization, testAuthEnv } from './helpers/listener-tokens.ts';
import { type NginxCdn, startNginxCdn } from './helpers/nginx-cdn.ts';
import { type ServeProcess, startServe } from './helpers/serve-process.ts';
import { type PublishedFixture, type TestOrigin, publishFixture, startTestOrigin } from './helpers/origin-fixture.ts';

let scratch: string;
let fixture: PublishedFixture;
let origin: TestOrigin;
let cdn: NginxCdn;

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'cadence-takedown-'));
  const env = { CADENCE_STORE: `file://${join(scratch, 'objects')}`, CADENCE_CATALOG: join(scratch, 'catalog.db') };
  fixture = await publishFixture(scratch, env);
  // The CDN is the only trusted address: 127.0.0.1 (nginx, and this test's own requests), never 127.0.0.2.
  origin = await startTestOrigin({ env, config: { trustedProxies: ['127.0.0.1'] } });
  cdn = await startNginxCdn({ origin: origin.url });
}, 240_000);
afterAll(async () => {
  await cdn?.stop();
  await origin?.close();
  await rm(scratch, { recursive: true, force: true });
});

async function cadence(args: string[], env: NodeJS.ProcessEnv = fixture.env) {
  const result = await runCadence(args, { env });
  return { ...result, finishedAt: performance.now() };
}

async function playback(base: string, isrc: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${base}/v1/tracks/${isrc}/playback`, { headers: await authorization() });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** Every media URL a player of one rendition asks for: playlists, segments, byte ranges. */
async function playerUrls(base: string, grant: PlaybackGrant): Promise<string[]> {
  const text = async (url: string): Promise<string> => {
    const response = await fetch(`${base}${url}`);
    expect(response.status, url).toBe(200);
    return response.text();
  };
  const folder = `${grant.segments.hls.slice(0, -'master.m3u8'.length)}aac-160/`;
  await text(grant.segments.hls);
  const parser = new Parser();
  parser.push(await text(`${folder}index.m3u8`));
  parser.end();
  const segments = parser.manifest.segments.map((segment) => `${folder}${segment.uri}`);
  return [`${folder}${parser.manifest.segments[0]!.map!.uri}`, ...segments, grant.hls, `${grant.hls.slice(0, -'master.m3u8'.length)}aac-96.mp4`];
}

interface Fetched {
  url: string;
  status: number;
  error?: string;
  at: number;
}

/** A player that keeps fetching (in a loop, like seeking back) until stopped. */
function startPlayer(base: string, urls: string[], pauseMs = 100) {
  const log: Fetched[] = [];
  let running = true;
  const done = (async () => {
    for (let i = 0; running; i++) {
      const url = urls[i % urls.length]!;
      const response = await fetch(`${base}${url}`, { headers: url.endsWith('.mp4') && !url.includes('/s/') ? { Range: 'bytes=0-65535' } : {} });
      const body = Buffer.from(await response.arrayBuffer());
      log.push({ url, status: response.status, at: performance.now(), error: response.ok ? undefined : (JSON.parse(body.toString()) as { error: string }).error });
      await new Promise((resolve) => setTimeout(resolve, pauseMs));
    }
  })();
  return {
    log,
    async stop() {
      running = false;
      await done;
    },
  };
}

describe('takedown and restore', () => {
  it('refuses grants at once and the playing listener\'s next media request within 5 s; restore plays again', async () => {
    const isrc = fixture.worldwide[0]!;
    const granted = await playback(origin.url, isrc);
    expect(granted.status).toBe(200);
    const grant = granted.body as unknown as PlaybackGrant;
    const player = startPlayer(origin.url, await playerUrls(origin.url, grant));
    try {
      await new Promise((resolve) => setTimeout(resolve, 1500));
      expect(player.log.length).toBeGreaterThan(5);
      expect(player.log.every((entry) => entry.status === 200 || entry.status === 206)).toBe(true);

      const takedown = await cadence(['takedown', '--isrc', isrc, '--reason', 'label request']);
      expect(takedown.code, takedown.stderr).toBe(0);
      expect(takedown.stdout).toBe(`taken down: ${isrc}\n`);
      expect(await playback(origin.url, isrc)).toEqual({
        status: 410,
        body: expect.objectContaining({ error: 'taken_down', message: `${isrc} was taken down: label request` }),
      });

      const deadline = takedown.finishedAt + 5000;
      while (performance.now() < deadline && !player.log.some((entry) => entry.at > takedown.finishedAt && entry.status === 410)) await new Promise((resolve) => setTimeout(resolve, 50));
      const firstRefused = player.log.find((entry) => entry.at > takedown.finishedAt && entry.status === 410);
      expect(firstRefused, 'a media request refused within 5 s').toBeDefined();
      expect(firstRefused!.error).toBe('taken_down');
      // From then on everything is refused, paths answered before (remembered) included.
      await new Promise((resolve) => setTimeout(resolve, 600));
      const after = player.log.filter((entry) => entry.at > firstRefused!.at);
      expect(after.length).toBeGreaterThan(2);
      expect(after.map((entry) => entry.status)).toEqual(after.map(() => 410));
      console.info(`takedown → first media refusal: ${Math.round(firstRefused!.at - takedown.finishedAt)} ms after the command returned`);

      const restore = await cadence(['restore', '--isrc', isrc]);
      expect(restore.code, restore.stderr).toBe(0);
      expect((await playback(origin.url, isrc)).status).toBe(200);
      const restoredAt = performance.now();
      await new Promise((resolve) => setTimeout(resolve, 2500));
      const replayed = player.log.filter((entry) => entry.at > restoredAt + 1100);
      expect(replayed.length).toBeGreaterThan(2);
      expect(replayed.every((entry) => entry.status === 200 || entry.status === 206)).toBe(true);
    } finally {
      await player.stop();
    }
  }, 60_000);

  it('names an unknown ISRC or UPC and a wrong command line, changing nothing', async () => {
    const unknownIsrc = await cadence(['takedown', '--isrc', 'GBCAD9999999']);
    expect(unknownIsrc.code).toBe(1);
    expect(unknownIsrc.stderr).toBe('NOT_FOUND: no published track GBCAD9999999 in the catalog\n');
    const unknownUpc = await cadence(['restore', '--upc', '5901234123457']);
    expect(unknownUpc.stderr).toBe('NOT_FOUND: no published release 5901234123457 in the catalog\n');
    const both = await cadence(['takedown', '--isrc', fixture.gbOnly, '--upc', '012345678905']);
    expect(both.stderr).toBe('BAD_INPUT: name exactly one of --isrc and --upc\n');
    const malformed = await cadence(['takedown', '--upc', '012345678900']);
    expect(malformed.stderr).toBe('BAD_INPUT: --upc "012345678900" is not a UPC-A or EAN-13 with a valid check digit\n');
    expect((await playback(origin.url, fixture.worldwide[1]!)).status).toBe(200);
  }, 60_000);

  it('takes a whole release down by UPC, keeps it through reindex, and restores it', async () => {
    const taken = await cadence(['takedown', '--upc', '012345678905', '--reason', 'territory dispute', '--json']);
    expect(taken.code, taken.stderr).toBe(0);
    expect(JSON.parse(taken.stdout)).toEqual({ ok: true, action: 'takedown', isrcs: [...fixture.worldwide].sort(), purged: false });
    for (const isrc of fixture.worldwide) expect((await playback(origin.url, isrc)).body).toMatchObject({ error: 'taken_down' });

    // A catalog rebuilt from storage alone knows the takedown too.
    const rebuilt = { ...fixture.env, CADENCE_CATALOG: join(scratch, 'rebuilt.db') };
    const reindex = await cadence(['reindex', '--json'], rebuilt);
    expect(reindex.code, reindex.stderr).toBe(0);
    expect(JSON.parse(reindex.stdout)).toMatchObject({ tracks: 4 });
    const catalog = openCatalog(rebuilt.CADENCE_CATALOG);
    try {
      for (const isrc of fixture.worldwide) expect(catalog.availability(isrc)?.takedown).toMatchObject({ source: 'operator', reason: 'territory dispute' });
      expect(catalog.availability(fixture.gbOnly)).toMatchObject({ takedown: null, rights: { territories: ['GB'], tiers: null, endsAt: null } });
    } finally {
      catalog.close();
    }

    expect((await cadence(['restore', '--upc', '012345678905'])).code).toBe(0);
    for (const isrc of fixture.worldwide) expect((await playback(origin.url, isrc)).status).toBe(200);
    // The restore is recorded too: a second rebuild plays them.
    const again = { ...fixture.env, CADENCE_CATALOG: join(scratch, 'rebuilt-again.db') };
    expect((await cadence(['reindex'], again)).code).toBe(0);
    const rebuiltAgain = openCatalog(again.CADENCE_CATALOG);
    try {
      for (const isrc of fixture.worldwide) expect(rebuiltAgain.availability(isrc)?.takedown).toBeNull();
    } finally {
      rebuiltAgain.close();
    }
  }, 120_000);

  it('purges the nginx edge through the hook, so its cached copies stop being served', async () => {
    const isrc = fixture.worldwide[1]!;
    const grant = (await playback(cdn.url, isrc)).body as unknown as PlaybackGrant;
    const urls = await playerUrls(cdn.url, grant);
    const segment = urls[1]!;
    expect((await fetch(`${cdn.url}${segment}`)).status).toBe(200);
    const cached = await fetch(`${cdn.url}${segment}`);
    expect(cached.headers.get('x-cache-status')).toBe('HIT');
    await cached.arrayBuffer();

    const env = { ...fixture.env, CADENCE_CDN_PURGE_COMMAND: `${join(REPO_ROOT, 'cdn/purge-nginx-cache.sh')} ${cdn.cacheDir}` };
    const taken = await cadence(['takedown', '--isrc', isrc], env);
    expect(taken.code, taken.stderr).toBe(0);
    expect(taken.stdout).toBe(`taken down: ${isrc} (CDN purged)\n`);
    // Without the purge the edge would answer HIT 200 until s-maxage (the token's expiry).
    const refused = await fetch(`${cdn.url}${segment}`);
    expect(refused.status).toBe(410);
    expect(refused.headers.get('x-cache-status')).toBe('MISS');
    await refused.arrayBuffer();
    expect((await cadence(['restore', '--isrc', isrc], env)).code).toBe(0);
    // Refusals are never cached, so the edge asks the origin again, which sees the restore within a second.
    const restoredBy = performance.now() + 2000;
    let status = 0;
    while (status !== 200 && performance.now() < restoredBy) {
      const response = await fetch(`${cdn.url}${segment}`);
      status = response.status;
      await response.arrayBuffer();
      if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(status).toBe(200);
  }, 60_000);
});

/** One GET on a fresh connection (so the primary spreads them over the workers), from `localAddress`. */
function freshGet(base: string, path: string, { localAddress = '127.0.0.1', headers = {} }: { localAddress?: string; headers?: Record<string, string> } = {}) {
  const url = new URL(`${base}${path}`);
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = httpRequest({ host: url.hostname, port: url.port, path: url.pathname, localAddress, agent: false, headers }, (res) => {
      let body = '';
      res.setEncoding('latin1');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('cadence serve with two workers', () => {
  let serve: ServeProcess;
  beforeAll(async () => {
    serve = await startServe({
      env: { ...fixture.env, ...testAuthEnv(), CADENCE_SIGNING_KEYS: 'serve:serve-secret-0123456789abcdef', CADENCE_TRUSTED_PROXIES: '127.0.0.1', LOG_LEVEL: 'warn' },
      args: ['--workers', '2'],
    });
  }, 60_000);
  afterAll(async () => {
    await serve?.stop();
  });

  it('refuses media in every worker within 5 s of a takedown, and plays again after restore', async () => {
    const isrc = fixture.worldwide[0]!;
    const grant = JSON.parse((await freshGet(serve.url, `/v1/tracks/${isrc}/playback`, { headers: await authorization() })).body) as PlaybackGrant;
    const urls = await playerUrls(serve.url, grant);
    for (const url of urls) expect((await freshGet(serve.url, url)).status, url).toBe(200);

    const takedown = await cadence(['takedown', '--isrc', isrc]);
    expect(takedown.code, takedown.stderr).toBe(0);
    expect((await freshGet(serve.url, `/v1/tracks/${isrc}/playback`, { headers: await authorization() })).status).toBe(410);
    let refusedAt = 0;
    for (let i = 0; performance.now() < takedown.finishedAt + 5000 && !refusedAt; i++) {
      if ((await freshGet(serve.url, urls[i % urls.length]!)).status === 410) refusedAt = performance.now();
      else await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(refusedAt, 'refused within 5 s').toBeGreaterThan(0);
    // A second later every worker has seen it.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const statuses = await Promise.all(Array.from({ length: 12 }, (_, i) => freshGet(serve.url, urls[i % urls.length]!).then((answer) => answer.status)));
    expect(statuses).toEqual(statuses.map(() => 410));

    expect((await cadence(['restore', '--isrc', isrc])).code).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const restored = await Promise.all(Array.from({ length: 12 }, (_, i) => freshGet(serve.url, urls[i % urls.length]!).then((answer) => answer.status)));
    expect(restored).toEqual(restored.map(() => 200));
  }, 60_000);

  it('believes the country header only from CADENCE_TRUSTED_PROXIES', async () => {
    const path = `/v1/tracks/${fixture.gbOnly}/playback`;
    const headers = { ...(await authorization()), 'CloudFront-Viewer-Country': 'GB' };
    expect((await freshGet(serve.url, path, { headers })).status).toBe(200);
    const spoofed = await freshGet(serve.url, path, { localAddress: '127.0.0.2', headers });
    expect(spoofed.status).toBe(451);
    expect(JSON.parse(spoofed.body)).toMatchObject({ error: 'territory_not_licensed', country: 'unknown' });
  });
});

describe('visibility and country', () => {
  it('keeps an unreleased track out of search and answers 404 on its metadata', async () => {
    const metadata = await fetch(`${origin.url}/v1/tracks/${fixture.unreleased}`);
    expect(metadata.status).toBe(404);
    expect(await metadata.json()).toMatchObject({ error: 'not_found' });
    const search = (await (await fetch(`${origin.url}/v1/search?q=movement&limit=50`)).json()) as { results: Array<{ isrc: string }> };
    expect(search.results.length).toBeGreaterThan(0);
    expect(search.results.map((result) => result.isrc)).not.toContain(fixture.unreleased);
    const cli = await cadence(['search', 'movement', '--limit', '50', '--json']);
    expect((JSON.parse(cli.stdout) as { results: Array<{ isrc: string }> }).results.map((result) => result.isrc)).not.toContain(fixture.unreleased);
  }, 60_000);

  it('ignores a country header sent from an address that is not the CDN', async () => {
    const auth = await authorization();
    const from = (localAddress: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const url = new URL(`${origin.url}/v1/tracks/${fixture.gbOnly}/playback`);
        const req = httpRequest({ host: url.hostname, port: url.port, path: url.pathname, localAddress, headers: { ...auth, 'CloudFront-Viewer-Country': 'GB' } }, (res) => {
          let body = '';
          res.on('data', (chunk: Buffer) => (body += chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        });
        req.on('error', reject);
        req.end();
      });
    expect((await from('127.0.0.1')).status).toBe(200);
    const spoofed = await from('127.0.0.2');
    expect(spoofed.status).toBe(451);
    expect(JSON.parse(spoofed.body)).toMatchObject({ error: 'territory_not_licensed', country: 'unknown' });
  });
});
