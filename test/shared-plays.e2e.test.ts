// Issue 12 part 6, plays across nodes, with real processes: a redis-server on loopback, two
// `cadence serve` nodes (CADENCE_QUEUE: following the journal, sharing plays) with their own
// catalog files. Plays granted on node A raise the track in search on node B; restarting B counts
// nothing again; plays granted while B was down are counted when it comes back.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeDelivery } from '../fixtures/deliveries.ts';
import { runCadence } from './helpers/cadence-cli.ts';
import { accessToken, authorization } from './helpers/listener-tokens.ts';
import { startRedis, type TestRedis } from './helpers/redis-server.ts';
import { type ServeProcess, startServe } from './helpers/serve-process.ts';
import { nodeEnv } from './helpers/node-env.ts';

let scratch: string;
let redis: TestRedis;
const nodes: ServeProcess[] = [];

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'cadence-shared-plays-'));
  redis = await startRedis();
  await accessToken(); // creates the identity's key file before any node could
}, 30_000);
afterAll(async () => {
  await Promise.all(nodes.map((node) => node.stop('SIGKILL')));
  await redis?.close();
  await rm(scratch, { recursive: true, force: true });
});

function envOf(catalog: string, queue = true): NodeJS.ProcessEnv {
  return nodeEnv(scratch, catalog, queue ? { CADENCE_QUEUE: redis.url } : {});
}

async function start(catalog: string, workers: number): Promise<ServeProcess> {
  const node = await startServe({ env: envOf(catalog), args: ['--workers', String(workers)] });
  nodes.push(node);
  return node;
}

async function grant(node: ServeProcess, isrc: string, listener: string): Promise<number> {
  const answer = await fetch(`${node.url}/v1/tracks/${isrc}/playback`, { headers: await authorization({ listener }) });
  await answer.body?.cancel();
  return answer.status;
}

async function searchOrder(node: ServeProcess, q: string): Promise<string[]> {
  const { results } = (await (await fetch(`${node.url}/v1/search?q=${encodeURIComponent(q)}`)).json()) as { results: Array<{ isrc: string }> };
  return results.map((result) => result.isrc);
}

/** Plays as the node's own catalog file holds them (read as another process would). */
function playsIn(catalog: string): Record<string, number> {
  const db = new Database(join(scratch, catalog), { readonly: true });
  try {
    return Object.fromEntries((db.prepare('SELECT isrc, plays FROM play_counts').all() as Array<{ isrc: string; plays: number }>).map((row) => [row.isrc, row.plays]));
  } finally {
    db.close();
  }
}

async function until<T>(what: string, probe: () => Promise<T | false> | T | false, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('plays across origin nodes', () => {
  it('plays granted on A raise the track on B; a restart of B counts nothing twice; B catches up after being down', async () => {
    // Two tracks that match "movement" equally well: plays decide their order.
    const delivery = await makeDelivery(join(scratch, 'delivery'), { tracks: 2, seconds: 3, series: 81 });
    const [one, two] = delivery.json.tracks.map((track) => track.isrc) as [string, string];
    const ingest = await runCadence(['ingest', delivery.file], { env: envOf('writer.db', false) });
    expect(ingest.code, ingest.stderr).toBe(0);

    const a = await start('a.db', 1);
    let b = await start('b.db', 2);
    for (const node of [a, b]) await until(`${node.url} grants`, async () => (await grant(node, two, 'warm-up')) === 200 || false);
    for (const node of [a, b]) expect(await grant(node, one, 'warm-up')).toBe(200);
    // The warm-up grants were plays too, one per node and track, each counted on both nodes.
    await until('warm-up plays counted on both nodes', () => [playsIn('a.db'), playsIn('b.db')].every((plays) => plays[one] === 2 && plays[two] === 2));
    // Equal plays: the order is the tie-break's. The track behind is the one A's listeners will play.
    const [first, second] = (await searchOrder(b, 'movement')) as [string, string];
    expect(await searchOrder(a, 'movement')).toEqual([first, second]);

    // Three listeners play the second track on A, one of them twice (counted once: the node's dedupe).
    for (const listener of ['ana', 'ben', 'cai', 'ana']) expect(await grant(a, second, listener)).toBe(200);
    await until('B ranks the second track first', async () => (await searchOrder(b, 'movement'))[0] === second || false);
    expect(await searchOrder(a, 'movement')).toEqual([second, first]);
    await until('counted once on each node', () => playsIn('b.db')[second] === 5 && playsIn('a.db')[second] === 5);

    // B restarts: nothing counted again, and it still follows the stream afterwards.
    expect(await b.stop()).toBe(0);
    b = await start('b.db', 2);
    await sleep(1500);
    expect(playsIn('b.db')).toEqual({ [first]: 2, [second]: 5 });
    expect(await grant(a, first, 'dee')).toBe(200);
    await until('B counts a new play after its restart', () => playsIn('b.db')[first] === 3);
    expect(playsIn('b.db')).toEqual({ [first]: 3, [second]: 5 });

    // B is down while A grants: B counts those plays when it is back, once.
    expect(await b.stop()).toBe(0);
    for (const listener of ['eve', 'fay', 'gus']) expect(await grant(a, first, listener)).toBe(200);
    await until('A counted', () => playsIn('a.db')[first] === 6);
    expect(playsIn('b.db')[first]).toBe(3);
    b = await start('b.db', 2);
    await until('B caught up', () => playsIn('b.db')[first] === 6);
    await until('B ranks the first track first again', async () => (await searchOrder(b, 'movement'))[0] === first || false);
    await sleep(1500);
    expect(playsIn('b.db')).toEqual(playsIn('a.db'));
    expect(playsIn('a.db')).toEqual({ [first]: 6, [second]: 5 });

    // Both sides on /metrics: A sent plays; B (workers get the primary's status) applied entries and follows the journal.
    const metricsA = await (await fetch(`${a.url}/metrics`)).text();
    expect(metricsA).toMatch(/^cadence_plays_sent_total ([1-9]\d*)$/m);
    expect(metricsA).toMatch(/^cadence_plays_held 0$/m);
    const metricsB = await until('B relays its followers to /metrics', async () => {
      const text = await (await fetch(`${b.url}/metrics`)).text();
      return /^cadence_journal_position 2$/m.test(text) && text;
    });
    expect(metricsB).toMatch(/^cadence_play_stream_entries_applied_total [1-9]\d*$/m);
    expect(metricsB).toMatch(/^cadence_journal_lag_entries 0$/m);
    expect(metricsB).toMatch(/^cadence_journal_seconds_since_poll \d/m);
  }, 240_000);
});
