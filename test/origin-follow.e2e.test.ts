// Origin nodes following the publish journal, each with its own catalog file: two nodes grant and
// play (FLAC bit-exact through each) what another process published, within 5 s of the publish;
// a third node started later from an empty catalog comes up from snapshot + journal and answers
// searches as the others do; every node's catalog ends row for row the same.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCatalog } from '../catalog/open-catalog.ts';
import { publishedRows } from '../catalog/test-support.ts';
import { makeDelivery } from '../fixtures/deliveries.ts';
import { decodedPcmDigest } from '../fixtures/pcm-checksum.ts';
import { readJournalEntry } from '../journal/journal-store.ts';
import { openObjectStore } from '../storage/open-store.ts';
import { CLIENT_FFMPEG, runCadence } from './helpers/cadence-cli.ts';
import { grantOn, type ServeProcess, startServe, waitForGrant } from './helpers/serve-process.ts';
import { authorization } from './helpers/listener-tokens.ts';
import { NODE_SIGNING_KEYS, nodeEnv } from './helpers/node-env.ts';

const KEYS = NODE_SIGNING_KEYS;
let scratch: string;
const nodes: ServeProcess[] = [];

function envOf(catalog: string): NodeJS.ProcessEnv {
  return nodeEnv(scratch, catalog);
}

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'cadence-follow-'));
});
afterAll(async () => {
  await Promise.all(nodes.map((node) => node.stop('SIGKILL')));
  await rm(scratch, { recursive: true, force: true });
});

describe('origin nodes following the publish journal', () => {
  it('serve what another process publishes within 5 s, FLAC bit-exact through each node; a late node starts from snapshot + journal', async () => {
    const [a, b] = await Promise.all([startServe({ env: envOf('a.db'), args: ['--follow'] }), startServe({ env: envOf('b.db'), args: ['--follow'] })]);
    nodes.push(a, b);

    const delivery = await makeDelivery(join(scratch, 'delivery'), { tracks: 3, seconds: 4, series: 71 });
    // Both nodes are asked for every track while the ingest runs: when each first grants it.
    const grantedAt = delivery.json.tracks.flatMap(({ isrc }) =>
      [a, b].map(async (node) => {
        await waitForGrant(node, isrc, await authorization(), { withinMs: 120_000 });
        return { isrc, node: node.url, at: Date.now() };
      }),
    );
    const ingest = await runCadence(['ingest', delivery.file], { env: envOf('writer.db') });
    expect(ingest.code, ingest.stderr).toBe(0);

    const store = openObjectStore(envOf('writer.db').CADENCE_STORE!, {});
    const publishedAt = new Map<string, number>();
    for (let number = 1; number <= 3; number++) {
      const entry = (await readJournalEntry(store, number))!;
      if (entry.change.kind === 'publish') publishedAt.set(entry.change.input.track.isrc, Date.parse(entry.at));
    }
    expect([...publishedAt.keys()].sort()).toEqual(delivery.json.tracks.map((track) => track.isrc).sort());
    for (const granted of await Promise.all(grantedAt)) {
      expect(granted.at - publishedAt.get(granted.isrc)!, `${granted.isrc} on ${granted.node}`).toBeLessThan(5000);
    }

    const [first] = delivery.json.tracks;
    const master = await decodedPcmDigest({ path: join(dirname(delivery.file), first!.master) });
    for (const node of [a, b]) {
      const grant = (await grantOn(node, first!.isrc, await authorization()))!;
      const flacPlaylist = `${node.url}${grant.hls.replace(/master\.m3u8$/, 'flac.m3u8')}`;
      expect((await decodedPcmDigest({ path: flacPlaylist, ffmpegPath: CLIENT_FFMPEG })).md5).toBe(master.md5);
    }

    // A snapshot, one more publish after it, then a node from nothing.
    expect((await runCadence(['snapshot'], { env: envOf('writer.db') })).code).toBe(0);
    const late = await makeDelivery(join(scratch, 'late'), { tracks: 1, seconds: 4, series: 72 });
    expect((await runCadence(['ingest', late.file], { env: envOf('writer.db') })).code).toBe(0);
    const c = await startServe({ env: envOf('c.db'), args: ['--follow'] });
    nodes.push(c);
    expect(c.log()).toMatch(/"restoredSnapshot":3/);
    // Caught up before listening: the entry after the snapshot is there at once.
    expect(await grantOn(c, late.json.tracks[0]!.isrc, await authorization())).not.toBeNull();
    await waitForGrant(a, late.json.tracks[0]!.isrc, await authorization(), { withinMs: 5000 });
    await waitForGrant(b, late.json.tracks[0]!.isrc, await authorization(), { withinMs: 5000 });

    // The same tracks found on every node. Their order may differ: without CADENCE_QUEUE the grants
    // above were counted as plays on each node alone (test/shared-plays.e2e.test.ts shares them).
    for (const query of ['movement', 'movement 2', 'ilse varga aurora', 'movment']) {
      const answers = await Promise.all(
        [a, b, c].map(async (node) => {
          const { results } = (await (await fetch(`${node.url}/v1/search?q=${encodeURIComponent(query)}`)).json()) as { results: Array<{ isrc: string }> };
          return results.sort((x, y) => x.isrc.localeCompare(y.isrc));
        }),
      );
      expect(answers[0]!.length).toBeGreaterThan(0);
      expect(answers[1]).toEqual(answers[0]);
      expect(answers[2]).toEqual(answers[0]);
    }

    await Promise.all([a, b, c].map((node) => node.stop()));
    const rows = publishedRows(envOf('writer.db').CADENCE_CATALOG!);
    for (const name of ['a.db', 'b.db', 'c.db']) expect(publishedRows(envOf(name).CADENCE_CATALOG!)).toEqual(rows);
    const writer = openCatalog(envOf('writer.db').CADENCE_CATALOG!);
    expect(writer.journalPosition().number).toBe(4);
    writer.close();
  }, 240_000);
});
