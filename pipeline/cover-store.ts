// Stores a delivery's checked cover before any of its tracks is published: content-addressed at
// `releases/{upc}/cover/<sha256>.<ext>` (storage/layout.ts), create-only, so a re-run or another
// release with the same image writes nothing new. The catalog and the publish journal then carry
// only { sha256, extension }: any origin node finds the original in storage from that alone.

import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { CadenceError } from '../errors/cadence-error.ts';
import { coverOriginalKey } from '../storage/layout.ts';
import type { ObjectStore } from '../storage/types.ts';
import type { Delivery } from './delivery-model.ts';

export interface StoreCoverOptions {
  store: ObjectStore;
  delivery: Pick<Delivery, 'release' | 'cover'>;
  signal?: AbortSignal;
}

/** The stored key, or null when the release has no cover. STORAGE when it does not read back. */
export async function storeDeliveryCover({ store, delivery, signal }: StoreCoverOptions): Promise<string | null> {
  const { cover, release } = delivery;
  if (!cover) return null;
  // Checked when the delivery was loaded: a file replaced since is not what was checked.
  const bytes = await readFile(cover.path, { signal });
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  if (sha256 !== cover.sha256) {
    throw new CadenceError('BAD_DELIVERY', `release.cover: the cover file changed after it was checked (${release.upc}); deliver it again`);
  }
  const key = coverOriginalKey(release.upc, cover.sha256, cover.extension);
  const put = await store.putBytes(key, bytes, { contentType: cover.contentType, signal });
  const stored = await store.head(key);
  if (!stored || stored.size !== put.size || put.sha256 !== sha256 || (stored.sha256 !== null && stored.sha256 !== sha256)) {
    throw new CadenceError('STORAGE', `${store.url} ${key}: the stored cover does not match what was uploaded`);
  }
  return key;
}
