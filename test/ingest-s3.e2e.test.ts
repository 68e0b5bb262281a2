// Ingest into S3 (a real S3-protocol server, s3rver, on loopback): what is stored plays from a
// static reading of the stored manifests; a server that goes away mid-ingest fails the affected
// tracks with a storage error after retries, publishes nothing half-done, and a re-run finishes.

import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCatalog } from '../catalog/open-catalog.ts';
import { makeDelivery } from '../fixtures/deliveries.ts';
import { decodedPcmDigest } from '../fixtures/pcm-checksum.ts';
import { versionPrefix } from '../storage/layout.ts';
import { openObjectStore, s3OptionsFromEnv } from '../storage/open-store.ts';
import type { ObjectStore } from '../storage/types.ts';
import { CLIENT_FFMPEG, runCadence } from './helpers/cadence-cli.ts';
import { publishedProblems } from './helpers/published-check.ts';
import { type S3TestServer, startS3Server } from './helpers/s3-server.ts';
import { startStaticServer } from './helpers/static-server.ts';
import { startTestOrigin } from './helpers/origin-fixture.ts';
import { authorization } from './helpers/listener-tokens.ts';
import type { PlaybackGrant } from '../origin/types.ts';

const run = promisify(execFile);
let scratch: string;
let s3: S3TestServer;

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'cadence-ingest-s3-'));
  s3 = await startS3Server();
}, 60_000);
afterAll(async () => {
  await s3?.close();
  await rm(scratch, { recursive: true, force: true });
});

function envFor(name: string): NodeJS.ProcessEnv {
  return {
    ...s3.env,
    CADENCE_STORE: `s3://${s3.bucket}/${name}`,
    CADENCE_CATALOG: join(scratch, name, 'catalog.db'),
    CADENCE_S3_MAX_ATTEMPTS: '3',
  };
}

function storeFor(env: NodeJS.ProcessEnv): ObjectStore {
  return openObjectStore(env.CADENCE_STORE!, { s3: s3OptionsFromEnv(env) });
}

/** Copies one stored version out of S3 into a folder, as a CDN or static mirror would hold it. */
async function mirrorVersion(store: ObjectStore, prefix: string, folder: string): Promise<void> {
  for await (const object of store.list(prefix)) {
    const target = join(folder, object.key.slice(prefix.length));
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, await store.getBytes(object.key));
  }
}

describe('ingest into S3', () => {
  it('publishes tracks whose stored manifests play from a static reading (ffmpeg decodes them)', async () => {
    const { file, json } = await makeDelivery(join(scratch, 'd1'), { tracks: 2, seconds: 4, series: 41 });
    const env = envFor('plays');
    const result = await runCadence(['ingest', file, '--json'], { env });
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ published: 2, failed: 0 });

    const store = storeFor(env);
    const catalog = openCatalog(env.CADENCE_CATALOG!);
    try {
      expect(await publishedProblems(catalog, store)).toEqual([]);
      const isrc = json.tracks[0]!.isrc;
      const mirror = join(scratch, 'mirror');
      await mirrorVersion(store, versionPrefix(isrc, catalog.currentVersion(isrc)!), mirror);
      const server = await startStaticServer({ root: mirror });
      try {
        const master = await decodedPcmDigest({ path: join(dirname(file), json.tracks[0]!.master) });
        const flac = await decodedPcmDigest({ path: `${server.url}/flac.m3u8`, ffmpegPath: CLIENT_FFMPEG });
        expect(flac.md5).toBe(master.md5);
        await run(CLIENT_FFMPEG, ['-v', 'error', '-xerror', '-i', `${server.url}/master.m3u8`, '-map', '0:a', '-f', 'null', '-']);
        await run(CLIENT_FFMPEG, ['-v', 'error', '-xerror', '-i', `${server.url}/manifest.mpd`, '-map', '0:a', '-f', 'null', '-']);
      } finally {
        await server.close();
      }
    } finally {
      catalog.close();
    }
  }, 120_000);

  it('is served by the origin from S3 with ranged reads only; ffmpeg decodes every rendition', async () => {
    const env = envFor('plays');
    const origin = await startTestOrigin({ env });
    try {
      const catalog = openCatalog(env.CADENCE_CATALOG!);
      const [isrc] = catalog.listCurrent().map((track) => track.isrc);
      catalog.close();
      const grant = (await (await fetch(`${origin.url}/v1/tracks/${isrc}/playback`, { headers: await authorization() })).json()) as PlaybackGrant;
      const base = grant.hls.slice(0, -'master.m3u8'.length);
      s3.requests.length = 0;
      for (const id of ['aac-96', 'aac-160', 'aac-320', 'flac']) {
        for (const playlist of [`${base}${id}.m3u8`, `${base}s/${id}/index.m3u8`]) {
          await run(CLIENT_FFMPEG, ['-v', 'error', '-xerror', '-i', `${origin.url}${playlist}`, '-f', 'null', '-']);
        }
      }
      await run(CLIENT_FFMPEG, ['-v', 'error', '-xerror', '-i', `${origin.url}${grant.dash}`, '-map', '0:a', '-f', 'null', '-']);
      const mediaGets = s3.requests.filter((request) => request.method === 'GET' && request.url.includes('.mp4'));
      expect(mediaGets.length).toBeGreaterThan(0);
      expect(mediaGets.filter((request) => !request.headers.range)).toEqual([]);
    } finally {
      await origin.close();
    }
  }, 120_000);

  it('fails tracks with a storage error when the server goes away, publishes nothing half-done, and a re-run succeeds', async () => {
    const { file } = await makeDelivery(join(scratch, 'd2'), { tracks: 3, seconds: 3, series: 42 });
    const env = envFor('outage');
    // Stop the server as the first media object of the first version starts to upload.
    let stopped: Promise<void> | null = null;
    s3.setHook((req) => {
      if (!stopped && req.method === 'PUT' && /\/tracks\/[^/]+\/[^/]+\/aac-/.test(req.url ?? '')) {
        stopped = s3.stop();
        req.socket.destroy();
        return true;
      }
      return false;
    });
    const failed = await runCadence(['ingest', file, '--json', '--concurrency', '1'], { env });
    s3.setHook(null);
    expect(stopped).not.toBeNull();
    await stopped;
    expect(failed.code).not.toBe(0);
    const report = JSON.parse(failed.stdout);
    expect(report.failed).toBe(3);
    for (const track of report.tracks) expect(track.error).toMatch(/^STORAGE: /);

    await s3.restart();
    const store = storeFor(env);
    const catalog = openCatalog(env.CADENCE_CATALOG!);
    try {
      expect(catalog.listCurrent()).toEqual([]);
      expect(await publishedProblems(catalog, store)).toEqual([]);
    } finally {
      catalog.close();
    }

    const rerun = await runCadence(['ingest', file, '--json'], { env });
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(JSON.parse(rerun.stdout)).toMatchObject({ published: 3, failed: 0 });
    const after = openCatalog(env.CADENCE_CATALOG!);
    try {
      expect(after.listCurrent()).toHaveLength(3);
      expect(await publishedProblems(after, store)).toEqual([]);
    } finally {
      after.close();
    }
  }, 180_000);
});
