// Turns a CADENCE_STORE URL into a driver. Environment variables are read only by
// `s3OptionsFromEnv` (storage/s3-settings.ts), which the CLI edge calls once, at start.

import { FsObjectStore } from './fs-store.ts';
import { S3ObjectStore } from './s3-store.ts';
import { parseStoreUrl } from './store-url.ts';
import type { S3StoreSettings } from './s3-settings.ts';
import type { ObjectStore, StoreLogger } from './types.ts';

export { type S3StoreSettings, s3OptionsFromEnv } from './s3-settings.ts';

export interface OpenObjectStoreOptions {
  /** Base for relative `file://` paths. Default: the process's working directory. */
  cwd?: string;
  s3?: S3StoreSettings;
  logger?: StoreLogger;
}

/** `file://PATH` (absolute, or relative to `cwd`) or `s3://BUCKET[/PREFIX]`. */
export function openObjectStore(url: string, options: OpenObjectStoreOptions = {}): ObjectStore {
  const { cwd = process.cwd(), s3 = {}, logger } = options;
  const location = parseStoreUrl(url, cwd);
  if (location.kind === 'file') return new FsObjectStore({ root: location.root, logger });
  return new S3ObjectStore({ ...s3, bucket: location.bucket, prefix: location.prefix, logger });
}
