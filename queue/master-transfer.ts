// Masters travel through object storage: the label's machine uploads each one under its SHA-256
// (create-only, head first, so a re-run sends nothing already there), and a worker on any machine
// downloads it into its private folder, checking the bytes against the hash the job names.

import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CadenceError, isCadenceError } from '../errors/cadence-error.ts';
import type { DeliveryTrack } from '../pipeline/delivery.ts';
import { fileSha256 } from '../pipeline/version-id.ts';
import { masterKey } from '../storage/layout.ts';
import type { ObjectStore } from '../storage/types.ts';

export interface UploadedMaster {
  key: string;
  sha256: string;
  /** False when storage already held it. */
  uploaded: boolean;
}

export async function uploadMaster(store: ObjectStore, track: DeliveryTrack, signal?: AbortSignal): Promise<UploadedMaster> {
  const sha256 = await fileSha256(track.masterPath, signal);
  const key = masterKey(sha256, track.master.format);
  if (await store.head(key)) return { key, sha256, uploaded: false };
  // Create-only: a concurrent upload of the same bytes is accepted as identical.
  const put = await store.putFile(key, track.masterPath, { contentType: 'application/octet-stream', signal });
  return { key, sha256, uploaded: put.created };
}

/** Downloads `key` to `path`; the SHA-256 must match, or nothing is left at `path`. */
export async function downloadMaster(store: ObjectStore, options: { key: string; sha256: string; path: string; isrc: string; signal?: AbortSignal }): Promise<void> {
  const { key, sha256, path, isrc, signal } = options;
  const object = await store.get(key).catch((error: unknown) => {
    if (isCadenceError(error) && error.code === 'NOT_FOUND') {
      throw new CadenceError('NOT_FOUND', `the master of ${isrc} (${key}) is not in ${store.url}`, { cause: error });
    }
    throw error;
  });
  const hash = createHash('sha256');
  const tap = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      done(null, chunk);
    },
  });
  try {
    await pipeline(object.body, tap, createWriteStream(path, { flags: 'wx' }), { signal });
  } catch (error) {
    await rm(path, { force: true });
    if (signal?.aborted) throw new CadenceError('ABORTED', `download of ${key} was cancelled`, { cause: error });
    throw new CadenceError('STORAGE', `cannot download the master of ${isrc} (${key}) from ${store.url}: ${(error as Error).message}`, { cause: error });
  }
  const got = hash.digest('hex');
  if (got !== sha256) {
    await rm(path, { force: true });
    throw new CadenceError('STORAGE', `the master of ${isrc} in ${store.url} (${key}) has SHA-256 ${got}, the job expects ${sha256}`);
  }
}
