// Shared plays against a real redis-server on loopback: counts sent by one node reach every
// node's catalog exactly once, across reader restarts; a node that was stopped catches up; plays
// counted while Redis is down are held and sent when it is back; a trimmed stream is reported.

import Database from 'better-sqlite3';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openCatalog } from '../catalog/open-catalog.ts';
import { samplePublish, tempCatalogPath } from '../catalog/test-support.ts';
import type { Catalog } from '../catalog/types.ts';
import { startRedis, type TestRedis } from '../test/helpers/redis-server.ts';
import { startReplyDroppingProxy } from '../test/helpers/reply-dropping-proxy.ts';
import { createPlayStreamProducer } from './play-stream-producer.ts';
import { followPlayStream } from './play-stream-reader.ts';

let redis: TestRedis;
let run = 0;
let stream: string;
const cleanups: Array<() => void | Promise<void>> = [];

interface LogLine {
  level: string;
  fields: unknown;
  message: string;
}
function recordingLogger(lines: LogLine[] = []) {
  const at = (level: string) => (fields: unknown, message = '') => void lines.push({ level, fields, message });
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), lines };
}

beforeAll(async () => {
  redis = await startRedis();
}, 20_000);
afterAll(async () => {
  await redis?.close();
});
beforeEach(() => {
  stream = `test-plays-${++run}`;
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) {
    const started = Date.now();
    await cleanup();
    if (Date.now() - started > 2000) console.log('slow cleanup', cleanup.toString(), Date.now() - started);
  }
});

/** A node's catalog with three tracks every node knows. */
function nodeCatalog(): { path: string; catalog: Catalog } {
  const { path, cleanup } = tempCatalogPath();
  const catalog = openCatalog(path);
  for (const n of [1, 2, 3]) catalog.publish(samplePublish({ isrc: `GBAYE260000${n}`, title: `Nocturne ${n}` }));
  cleanups.push(() => {
    catalog.close();
    cleanup();
  });
  return { path, catalog };
}

/** Plays per track as the catalog ranks them: the three tracks' order in a search. */
function order(catalog: Catalog): string[] {
  return catalog.search({ q: 'nocturne' }).map((result) => result.isrc);
}

function playsIn(path: string): Record<string, number> {
  // play_counts is the table popularity reads: exact numbers, read as another process would.
  const db = new Database(path, { readonly: true });
  try {
    return Object.fromEntries((db.prepare('SELECT isrc, plays FROM play_counts').all() as Array<{ isrc: string; plays: number }>).map((row) => [row.isrc, row.plays]));
  } finally {
    db.close();
  }
}

function reader(catalog: Catalog, logger = recordingLogger()) {
  const following = followPlayStream({ url: redis.url, catalog, logger, stream, blockMs: 200 });
  cleanups.push(() => following.stop());
  return following;
}

function producer(logger = recordingLogger(), options: { maxLen?: number; url?: string } = {}) {
  const sending = createPlayStreamProducer({ url: redis.url, logger, stream, retryMs: 100, ...options });
  cleanups.push(() => sending.close());
  return sending;
}

async function until(what: string, check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('shared plays over a redis stream', () => {
  it('every node counts each batch once; a restarted reader counts nothing again; a node that was down catches up', async () => {
    const a = nodeCatalog();
    const b = nodeCatalog();
    const readerA = reader(a.catalog);
    let readerB = reader(b.catalog);
    const sending = producer();
    sending.send([{ isrc: 'GBAYE2600003', plays: 3 }]);
    sending.send([{ isrc: 'GBAYE2600002', plays: 1 }]);
    await until('both nodes counted', () => playsIn(a.path).GBAYE2600003 === 3 && playsIn(b.path).GBAYE2600003 === 3);
    await readerA.caughtUp();
    await readerB.caughtUp();
    expect(order(a.catalog)).toEqual(['GBAYE2600003', 'GBAYE2600002', 'GBAYE2600001']);
    expect(order(b.catalog)).toEqual(order(a.catalog));

    // B stops; plays go on; B comes back with a new reader over the same catalog file.
    await readerB.stop();
    sending.send([{ isrc: 'GBAYE2600001', plays: 5 }]);
    await until('A counted', () => playsIn(a.path).GBAYE2600001 === 5);
    expect(playsIn(b.path).GBAYE2600001).toBeUndefined();
    readerB = reader(b.catalog);
    await readerB.caughtUp();
    expect(playsIn(b.path)).toEqual({ GBAYE2600001: 5, GBAYE2600002: 1, GBAYE2600003: 3 });
    // And restarted again with nothing new: still the same counts.
    await readerB.stop();
    readerB = reader(b.catalog);
    await readerB.caughtUp();
    expect(playsIn(b.path)).toEqual(playsIn(a.path));
    expect(readerB.status().applied).toBe(0);
    expect(readerB.status().position).toBe(readerA.status().position);
  });

  it('holds plays while Redis is down (grants never fail) and sends them when it is back', async () => {
    const a = nodeCatalog();
    const following = reader(a.catalog);
    const logs = recordingLogger();
    const sending = producer(logs);
    await redis.stop();
    try {
      sending.send([{ isrc: 'GBAYE2600002', plays: 2 }]);
      await until('the failed send', () => logs.lines.some((line) => line.level === 'warn'));
      sending.send([{ isrc: 'GBAYE2600002', plays: 1 }]);
      expect(sending.status()).toMatchObject({ sent: 0, pending: 3, dropped: 0 });
    } finally {
      await redis.restart();
    }
    await until('held plays sent', () => sending.status().sent === 3, 10_000);
    await until('counted after redis came back', () => playsIn(a.path).GBAYE2600002 === 3, 10_000);
    await following.caughtUp();
    expect(playsIn(a.path)).toEqual({ GBAYE2600002: 3 });
  }, 30_000);

  it('a batch Redis took but whose reply was lost is sent again and still counted once', async () => {
    const a = nodeCatalog();
    const following = reader(a.catalog);
    const proxy = await startReplyDroppingProxy({ host: '127.0.0.1', port: redis.port });
    cleanups.push(() => proxy.close());
    const logs = recordingLogger();
    const sending = producer(logs, { url: proxy.url });
    sending.send([{ isrc: 'GBAYE2600001', plays: 1 }]);
    await until('the first batch sent', () => sending.status().sent === 1);

    proxy.dropReplyTo(stream);
    sending.send([{ isrc: 'GBAYE2600002', plays: 2 }]);
    await until('the reply lost', () => proxy.dropped() === 1);
    // Newer plays wait behind the batch in doubt; then everything goes out, the lost one once.
    sending.send([{ isrc: 'GBAYE2600002', plays: 1 }]);
    await until('every play sent', () => sending.status().sent === 4, 10_000);
    expect(sending.status()).toMatchObject({ pending: 0, dropped: 0 });
    await following.caughtUp();
    expect(playsIn(a.path)).toEqual({ GBAYE2600001: 1, GBAYE2600002: 3 });
    const direct = new Redis(redis.url);
    try {
      // The batch Redis took before the reply was lost is the only entry for it: three in all.
      expect(await direct.xlen(stream)).toBe(3);
    } finally {
      direct.disconnect();
    }
    expect(logs.lines.filter((line) => line.level === 'warn')).toHaveLength(1);
  }, 30_000);

  it('says in the log when the stream was trimmed past a node\'s position', async () => {
    const a = nodeCatalog();
    const first = reader(a.catalog);
    const sending = producer(recordingLogger(), { maxLen: 1 });
    sending.send([{ isrc: 'GBAYE2600001', plays: 1 }]);
    await until('counted', () => playsIn(a.path).GBAYE2600001 === 1);
    await first.stop();
    // While the node is away, many entries: MAXLEN ~ trims whole nodes of the stream, so write enough.
    const direct = new Redis(redis.url);
    for (let i = 0; i < 300; i++) await direct.xadd(stream, 'MAXLEN', '1', '*', 'counts', JSON.stringify([{ isrc: 'GBAYE2600002', plays: 1 }]));
    direct.disconnect();
    const logs = recordingLogger();
    const again = reader(a.catalog, logs);
    await again.caughtUp();
    expect(logs.lines.filter((line) => line.level === 'warn').map((line) => line.message)).toEqual([
      "play stream was trimmed past this node's position: plays sent between the two are not counted here",
    ]);
    expect(playsIn(a.path).GBAYE2600002).toBe(1);
  });
});
