// Takedowns through the publish journal: `cadence takedown` and `restore`, run against the shared
// store, reach every origin node that follows the journal with its own catalog (grants refused
// with 410, and media under a grant issued before); a node started later from snapshot + journal
// has the takedowns made before and after the snapshot; every catalog ends with the same rights.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCatalog } from '../catalog/open-catalog.ts';
import type { TrackAvailability } from '../catalog/types.ts';
import { makeDelivery } from '../fixtures/deliveries.ts';
import { readJournalEntry } from '../journal/journal-store.ts';
import type { PlaybackGrant } from '../origin/types.ts';
import { openObjectStore } from '../storage/open-store.ts';
import { runCadence } from './helpers/cadence-cli.ts';
import { type ServeProcess, startServe } from './helpers/serve-process.ts';

const KEYS = 'node:shared-secret-0123456789abcdef';
const UPC = '012345678905';
let scratch: string;
let token: string;
const nodes: ServeProcess[] = [];

function envOf(catalog: string): NodeJS.ProcessEnv {
  return {
    CADENCE_STORE: `file://${join(scratch, 'objects')}`,
    CADENCE_CATALOG: join(scratch, catalog),
    CADENCE_SIGNING_KEYS: KEYS,
    CADENCE_JOURNAL_POLL_MS: '200',
    CADENCE_AUTH_LOCAL_KEY: join(scratch, 'auth-key.jwk'),
    CADENCE_RATE_LIMITS: 'off',
  };
}
const writer = (): NodeJS.ProcessEnv => envOf('writer.db');

async function cadence(args: string[], env = writer()) {
  const result = await runCadence(args, { env });
  expect(result.code, `cadence ${args.join(' ')}: ${result.stderr}`).toBe(0);
  return { ...result, finishedAt: performance.now() };
}

async function grantOn(node: ServeProcess, isrc: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const answer = await fetch(`${node.url}/v1/tracks/${isrc}/playback`, { headers: { authorization: `Bearer ${token}` } });
  return { status: answer.status, body: (await answer.json()) as Record<string, unknown> };
}

/** Milliseconds from `since` until `probe` answers `status` on every node (fails after 5 s). */
async function untilEveryNode(probe: (node: ServeProcess) => Promise<number>, status: number, since: number, on = nodes): Promise<number> {
  const times = await Promise.all(
    on.map(async (node) => {
      for (;;) {
        if ((await probe(node)) === status) return performance.now() - since;
        if (performance.now() - since > 5000) throw new Error(`${node.url} did not answer ${status} within 5 s`);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    }),
  );
  return Math.max(...times);
}

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'cadence-takedown-follow-'));
});
afterAll(async () => {
  await Promise.all(nodes.map((node) => node.stop('SIGKILL')));
  await rm(scratch, { recursive: true, force: true });
});

describe('takedowns through the publish journal', () => {
  it('reach every following node within seconds, restore plays again, and a late node has them from snapshot + journal', async () => {
    const delivery = await makeDelivery(join(scratch, 'delivery'), { tracks: 2, seconds: 4, series: 81 });
    await cadence(['ingest', delivery.file]);
    const [first, second] = delivery.json.tracks.map((track) => track.isrc) as [string, string];
    token = (await cadence(['token', '--listener', 'operator', '--tier', 'hifi'])).stdout.trim();

    const [a, b] = await Promise.all([startServe({ env: envOf('a.db'), args: ['--follow'] }), startServe({ env: envOf('b.db'), args: ['--follow'] })]);
    nodes.push(a, b);
    for (const node of nodes) for (const isrc of [first, second]) expect((await grantOn(node, isrc)).status, `${node.url} ${isrc}`).toBe(200);
    // A grant issued before the takedown: its media must be refused too, not only new grants.
    const earlier = (await grantOn(a, first)).body as unknown as PlaybackGrant;
    const media = async (node: ServeProcess): Promise<number> => (await fetch(`${node.url}${earlier.hls}`)).status;
    expect(await media(a)).toBe(200);
    expect(await media(b)).toBe(200);

    const takedown = await cadence(['takedown', '--isrc', first, '--reason', 'label request']);
    expect(takedown.stdout).toBe(`taken down: ${first}\n`);
    const grantsRefused = await untilEveryNode(async (node) => (await grantOn(node, first)).status, 410, takedown.finishedAt);
    const mediaRefused = await untilEveryNode(media, 410, takedown.finishedAt);
    for (const node of nodes) {
      expect(await grantOn(node, first)).toEqual({ status: 410, body: expect.objectContaining({ error: 'taken_down', message: `${first} was taken down: label request` }) });
      expect((await grantOn(node, second)).status).toBe(200);
    }

    const restore = await cadence(['restore', '--isrc', first]);
    const granted = await untilEveryNode(async (node) => (await grantOn(node, first)).status, 200, restore.finishedAt);
    await untilEveryNode(media, 200, restore.finishedAt);

    // A release: the writer resolves its tracks, every node changes the same ones.
    const release = await cadence(['takedown', '--upc', UPC, '--reason', 'territory dispute', '--json']);
    expect(JSON.parse(release.stdout)).toEqual({ ok: true, action: 'takedown', isrcs: [first, second].sort(), purged: false });
    for (const isrc of [first, second]) await untilEveryNode(async (node) => (await grantOn(node, isrc)).status, 410, release.finishedAt);
    const releaseBack = await cadence(['restore', '--upc', UPC]);
    for (const isrc of [first, second]) await untilEveryNode(async (node) => (await grantOn(node, isrc)).status, 200, releaseBack.finishedAt);
    console.info(`following nodes: grants refused ${Math.round(grantsRefused)} ms and earlier media ${Math.round(mediaRefused)} ms after takedown returned; granted again ${Math.round(granted)} ms after restore`);

    // One takedown inside the snapshot, one after it: a node from nothing has both before it listens.
    await cadence(['takedown', '--isrc', first, '--reason', 'before the snapshot']);
    expect((await cadence(['snapshot'])).stdout).toMatch(/at journal entry 7 /);
    await cadence(['takedown', '--isrc', second, '--reason', 'after the snapshot']);
    const c = await startServe({ env: envOf('c.db'), args: ['--follow'] });
    nodes.push(c);
    expect(c.log()).toMatch(/"restoredSnapshot":7/);
    expect(await grantOn(c, first)).toMatchObject({ status: 410, body: { message: `${first} was taken down: before the snapshot` } });
    expect(await grantOn(c, second)).toMatchObject({ status: 410, body: { message: `${second} was taken down: after the snapshot` } });
    for (const isrc of [first, second]) await untilEveryNode(async (node) => (await grantOn(node, isrc)).status, 410, performance.now());

    // The journal holds the changes as entries of their own, in order after the publishes.
    const store = openObjectStore(writer().CADENCE_STORE!, {});
    const kinds = [];
    for (let number = 1; ; number++) {
      const entry = await readJournalEntry(store, number);
      if (!entry) break;
      kinds.push(entry.change.kind === 'availability' ? `${entry.change.takedown ? 'takedown' : 'restore'} ${entry.change.isrcs.join('+')}` : 'publish');
    }
    expect(kinds).toEqual(['publish', 'publish', `takedown ${first}`, `restore ${first}`, `takedown ${[first, second].sort().join('+')}`, `restore ${[first, second].sort().join('+')}`, `takedown ${first}`, `takedown ${second}`]);

    await Promise.all(nodes.map((node) => node.stop()));
    const availabilityIn = (name: string): Array<TrackAvailability | null> => {
      const catalog = openCatalog(envOf(name).CADENCE_CATALOG!, { readonly: true });
      try {
        expect(catalog.journalPosition().number).toBe(8);
        return [first, second].map((isrc) => catalog.availability(isrc));
      } finally {
        catalog.close();
      }
    };
    const expected = availabilityIn('writer.db');
    expect(expected.map((availability) => availability?.takedown?.reason)).toEqual(['before the snapshot', 'after the snapshot']);
    // Who made them travels with them: `cadence takedown` is an operator's.
    expect(expected.map((availability) => availability?.takedown?.source)).toEqual(['operator', 'operator']);
    for (const name of ['a.db', 'b.db', 'c.db']) expect(availabilityIn(name), name).toEqual(expected);
  }, 240_000);
});
