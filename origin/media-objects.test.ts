import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MediaDescription, Rendition } from '../manifests/types.ts';
import { FsObjectStore } from '../storage/fs-store.ts';
import { ByteCache } from './byte-cache.ts';
import { BLOCK_BYTES, resolveMedia, type MediaSource } from './media-objects.ts';
import type { HeldBytes } from './object-response.ts';

// A rendition file read through the 1 MiB block cache: ranges inside a block, across two blocks
// and across three come back byte for byte, from storage first and then from memory alone.

const FILE = randomBytes(3 * BLOCK_BYTES + 12_345);
const PREFIX = 'tracks/GBCAD0000001/0123456789abcdef0123/';
let root: string;
let store: FsObjectStore;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'cadence-media-objects-'));
  store = new FsObjectStore({ root });
  await store.putBytes(`${PREFIX}flac.mp4`, FILE);
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const joined = (bytes: HeldBytes): Buffer => Buffer.concat([bytes].flat());

function source(cache: ByteCache): MediaSource {
  const rendition = { id: 'flac', file: 'flac.mp4', fileSize: FILE.length } as Rendition;
  return { store, cache, prefix: PREFIX, version: '0123456789abcdef0123', description: { renditions: [rendition] } as unknown as MediaDescription };
}

const RANGES: Array<[string, number, number]> = [
  ['inside the first block', 100, 65_635],
  ['ending on a block boundary', BLOCK_BYTES - 65_536, BLOCK_BYTES - 1],
  ['starting on a block boundary', BLOCK_BYTES, BLOCK_BYTES + 65_535],
  ['across two blocks', BLOCK_BYTES - 1000, BLOCK_BYTES + 64_535],
  ['across three blocks', BLOCK_BYTES - 10, 2 * BLOCK_BYTES + 10],
  ['into the short last block', 3 * BLOCK_BYTES - 5, FILE.length - 1],
];

describe('rendition file through the block cache', () => {
  it.each(RANGES)('reads a range %s, then answers it from memory', async (_, start, end) => {
    const cache = new ByteCache({ maxBytes: 64 * BLOCK_BYTES });
    const object = resolveMedia(source(cache), { kind: 'file', rendition: 'flac' })!;
    const expected = FILE.subarray(start, end + 1);
    expect(object.readCached!({ start, end })).toBeUndefined();
    const read = await object.read({ start, end });
    expect(joined(read as HeldBytes).equals(expected)).toBe(true);
    const blocks = Math.floor(end / BLOCK_BYTES) - Math.floor(start / BLOCK_BYTES) + 1;
    // Up to two blocks are answered from memory, as views of the blocks (pieces when two); a
    // longer span takes the read path.
    const cached = object.readCached!({ start, end });
    if (blocks > 2) expect(cached).toBeUndefined();
    else {
      expect(joined(cached!).equals(expected)).toBe(true);
      expect(Array.isArray(cached)).toBe(blocks === 2);
    }
  });

  it('does not answer from memory, or count a hit, when only the first of two blocks is cached', async () => {
    const cache = new ByteCache({ maxBytes: 64 * BLOCK_BYTES });
    const object = resolveMedia(source(cache), { kind: 'file', rendition: 'flac' })!;
    await object.read({ start: 0, end: 99 });
    const hits = cache.stats().hits;
    expect(object.readCached!({ start: BLOCK_BYTES - 10, end: BLOCK_BYTES + 10 })).toBeUndefined();
    expect(cache.stats().hits).toBe(hits);
  });
});
