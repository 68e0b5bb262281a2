import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeCover } from '../fixtures/cover-images.ts';
import { FsObjectStore } from '../storage/fs-store.ts';
import { storeDeliveryCover } from './cover-store.ts';
import type { DeliveryCover } from './delivery-model.ts';

const UPC = '012345678905';
let scratch: string;
let store: FsObjectStore;
beforeEach(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'cadence-cover-store-'));
  store = new FsObjectStore({ root: join(scratch, 'objects') });
});
afterEach(() => rm(scratch, { recursive: true, force: true }));

async function checkedCover(bytes: Buffer): Promise<DeliveryCover> {
  const path = join(scratch, 'front.png');
  await writeFile(path, bytes);
  return { path, sha256: createHash('sha256').update(bytes).digest('hex'), extension: 'png', contentType: 'image/png', bytes: bytes.length };
}

const keys = async () => {
  const found: string[] = [];
  for await (const object of store.list('')) found.push(object.key);
  return found;
};

describe('storeDeliveryCover', () => {
  it('stores the original content-addressed, once', async () => {
    const bytes = await makeCover({ width: 700, height: 700, format: 'png' });
    const cover = await checkedCover(bytes);
    const delivery = { release: { upc: UPC } as never, cover };
    const key = await storeDeliveryCover({ store, delivery });
    expect(key).toBe(`releases/${UPC}/cover/${cover.sha256}.png`);
    expect((await store.getBytes(key!)).equals(bytes)).toBe(true);
    expect((await store.head(key!))?.sha256).toBe(cover.sha256);
    // A re-run writes nothing new.
    expect(await storeDeliveryCover({ store, delivery })).toBe(key);
    expect(await keys()).toEqual([key]);
  });

  it('nothing to store without a cover', async () => {
    expect(await storeDeliveryCover({ store, delivery: { release: { upc: UPC } as never, cover: null } })).toBeNull();
    expect(await keys()).toEqual([]);
  });

  it('refuses a cover file replaced after it was checked, storing nothing', async () => {
    const cover = await checkedCover(await makeCover({ width: 700, height: 700, format: 'png' }));
    await writeFile(cover.path, await makeCover({ width: 800, height: 800, format: 'png' }));
    await expect(storeDeliveryCover({ store, delivery: { release: { upc: UPC } as never, cover } })).rejects.toMatchObject({
      code: 'BAD_DELIVERY',
      message: expect.stringContaining('changed after it was checked'),
    });
    expect(await keys()).toEqual([]);
  });
});
