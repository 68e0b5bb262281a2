// Issue 12, the whole path on many "machines" (all on loopback, real processes): `cadence ingest`
// puts a 6-track delivery on a real redis-server's queue, two `cadence worker`s (each with its own
// catalog file) package and publish through the journal, and two `cadence serve` nodes (their own
// catalog files) grant and play every track within 5 s of its publish. The nodes poll the journal
// only every 30 s here, so meeting 5 s proves the Redis nudges. Every track published once (one
// version, one journal entry, no duplicate rows); FLAC decoded through each node bit-exact.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishedRows } from '../catalog/test-support.ts';
import { makeDelivery } from '../fixtures/deliveries.ts';
import { decodedPcmDigest } from '../fixtures/pcm-checksum.ts';
import { journalHead, readJournalEntry } from '../journal/journal-store.ts';
import type { PlaybackGrant } from '../origin/types.ts';
import { openObjectStore } from '../storage/open-store.ts';
import { CLIENT_FFMPEG, runCadence } from './helpers/cadence-cli.ts';
import { accessToken } from './helpers/listener-tokens.ts';
import { startWorker, type WorkerProcess } from './helpers/queue-worker.ts';
import { startRedis, type TestRedis } from './helpers/redis-server.ts';
import { storedVersions } from './helpers/published-check.ts';
import { grantOn, type ServeProcess, startServe, waitForGrant } from './helpers/serve-process.ts';
import { nodeEnv } from './helpers/node-env.ts';

let scratch: string;
let redis: TestRedis;
let bearer: { authorization: string };
const nodes: ServeProcess[] = [];
const workers: WorkerProcess[] = [];

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'cadence-queue-nodes-'));
  redis = await startRedis();
  bearer = { authorization: `Bearer ${await accessToken({ listener: 'queue-nodes' })}` };
}, 30_000);
afterAll(async () => {
  await Promise.all(nodes.map((node) => node.stop('SIGKILL')));
  for (const worker of workers) if (worker.child.exitCode === null && worker.child.signalCode === null) worker.child.kill('SIGKILL');
  await redis?.close();
  await rm(scratch, { recursive: true, force: true });
});

function envOf(catalog: string): NodeJS.ProcessEnv {
  return nodeEnv(scratch, catalog, {
    CADENCE_QUEUE: redis.url,
    // Far longer than the 5 s the nodes have: only the nudges over Redis can meet it.
    CADENCE_JOURNAL_POLL_MS: '30000',
    LOG_LEVEL: 'warn',
  });
}

/** Polls until the node grants the track, then fetches its FLAC playlist and the file's first bytes. */
async function playableAt(node: ServeProcess, isrc: string, withinMs: number): Promise<{ isrc: string; node: string; at: number; grant: PlaybackGrant }> {
  const grant = await waitForGrant(node, isrc, bearer, { withinMs, everyMs: 100 });
  const base = `${node.url}${grant.hls.replace(/master\.m3u8$/, '')}`;
  const playlist = await fetch(`${base}flac.m3u8`);
  expect(playlist.status, `${isrc} flac.m3u8 on ${node.url}`).toBe(200);
  expect(await playlist.text()).toContain('#EXT-X-MAP');
  const media = await fetch(`${base}flac.mp4`, { headers: { range: 'bytes=0-4095' } });
  expect(media.status, `${isrc} flac.mp4 on ${node.url}`).toBe(206);
  expect((await media.arrayBuffer()).byteLength).toBe(4096);
  return { isrc, node: node.url, at: Date.now(), grant };
}

describe('a delivery through the queue, served by two origin nodes', () => {
  it('two workers publish 6 tracks once each; two nodes grant and play each within 5 s of its publish, FLAC bit-exact', async () => {
    for (const name of ['worker-1.db', 'worker-2.db']) workers.push(await startWorker(envOf(name)));
    const [a, b] = await Promise.all([startServe({ env: envOf('node-a.db'), args: ['--workers', '1'] }), startServe({ env: envOf('node-b.db'), args: ['--workers', '2'] })]);
    nodes.push(a, b);

    const delivery = await makeDelivery(join(scratch, 'delivery'), { tracks: 6, seconds: 4, series: 91 });
    const isrcs = delivery.json.tracks.map((track) => track.isrc);
    const playable = isrcs.flatMap((isrc) => [a, b].map((node) => playableAt(node, isrc, 180_000)));
    const ingest = await runCadence(['ingest', delivery.file, '--json'], { env: envOf('engineer.db'), timeoutMs: 180_000 });
    expect(ingest.code, ingest.stderr).toBe(0);
    expect(JSON.parse(ingest.stdout)).toMatchObject({ ok: true, published: 6, failed: 0 });
    const played = await Promise.all(playable);

    // Once per track: six journal entries, one per ISRC, one stored version each.
    const store = openObjectStore(envOf('engineer.db').CADENCE_STORE!, {});
    expect(await journalHead(store)).toBe(6);
    const publishedAt = new Map<string, number>();
    for (let number = 1; number <= 6; number++) {
      const entry = (await readJournalEntry(store, number))!;
      expect(entry.change.kind).toBe('publish');
      if (entry.change.kind === 'publish') publishedAt.set(entry.change.input.track.isrc, Date.parse(entry.at));
    }
    expect([...publishedAt.keys()].sort()).toEqual([...isrcs].sort());
    const versions = await storedVersions(store);
    for (const isrc of isrcs) expect([...versions.keys()].filter((id) => id.startsWith(`${isrc}/`)), isrc).toHaveLength(1);
    await store.close?.();

    for (const { isrc, node, at } of played) expect(at - publishedAt.get(isrc)!, `${isrc} playable on ${node}`).toBeLessThan(5000);

    // Every track's FLAC rendition decodes through each node to exactly the master's samples.
    for (const track of delivery.json.tracks) {
      const master = await decodedPcmDigest({ path: join(dirname(delivery.file), track.master) });
      for (const node of [a, b]) {
        const grant = (await grantOn(node, track.isrc, bearer))!;
        const flacPlaylist = `${node.url}${grant.hls.replace(/master\.m3u8$/, 'flac.m3u8')}`;
        expect((await decodedPcmDigest({ path: flacPlaylist, ffmpegPath: CLIENT_FFMPEG })).md5, `${track.isrc} via ${node.url}`).toBe(master.md5);
      }
    }

    await Promise.all([a, b].map((node) => node.stop()));
    // No duplicate rows, and both nodes' catalogs the same as the workers'.
    for (const name of ['node-a.db', 'node-b.db']) {
      const db = new Database(join(scratch, name), { readonly: true });
      try {
        for (const table of ['tracks', 'versions', 'release_tracks']) {
          const rows = db.prepare(`SELECT isrc, COUNT(*) AS n FROM ${table} GROUP BY isrc`).all() as Array<{ isrc: string; n: number }>;
          expect(rows.map((row) => row.isrc).sort(), `${name} ${table}`).toEqual([...isrcs].sort());
          expect(rows.every((row) => row.n === 1), `${name} ${table}`).toBe(true);
        }
      } finally {
        db.close();
      }
    }
    expect(publishedRows(join(scratch, 'node-b.db'))).toEqual(publishedRows(join(scratch, 'node-a.db')));
  }, 300_000);
});
