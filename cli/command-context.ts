// What the commands share: the logger, the JSON writer, and opening storage and the catalog
// (loaded on demand, so `package` starts without SQLite or the AWS SDK).

import { pino } from 'pino';
import type { Catalog } from '../catalog/types.ts';
import { isCadenceError } from '../errors/cadence-error.ts';
import type { ObjectStore } from '../storage/types.ts';
import type { CadenceConfig } from './config.ts';

export function logger(config: CadenceConfig): pino.Logger {
  return pino({ level: config.logLevel ?? 'warn' }, pino.destination(2));
}

/**
 * `fromSnapshot`: a writer whose catalog file does not exist yet starts from the newest snapshot
 * (it catches up with the journal anyway, and replaying every entry from 1 is the slow way there).
 * Not for `reindex`, which rebuilds from the stored versions alone.
 */
export async function withStoreAndCatalog<T>(config: CadenceConfig, run: (store: ObjectStore, catalog: Catalog) => Promise<T>, { fromSnapshot = false } = {}): Promise<T> {
  return withStore(config, async (store) => {
    // Loaded on demand: SQLite is not needed by `package`, which starts faster without it.
    const { openCatalog } = await import('../catalog/open-catalog.ts');
    if (fromSnapshot) await (await import('../journal/snapshot.ts')).restoreSnapshotIfNew({ store, catalogPath: config.catalogPath });
    const catalog = openCatalog(config.catalogPath);
    try {
      return await run(store, catalog);
    } finally {
      catalog.close();
    }
  });
}

/** Object storage alone (a dry run reads the DDEX message log and writes nothing). */
export async function withStore<T>(config: CadenceConfig, run: (store: ObjectStore) => Promise<T>): Promise<T> {
  // Loaded on demand: the AWS SDK is not needed by `package`.
  const { openObjectStore } = await import('../storage/open-store.ts');
  const store = openObjectStore(config.storeUrl, { s3: config.s3, logger: logger(config) });
  try {
    return await run(store);
  } finally {
    await store.close?.();
  }
}

/** The catalog read only, when its file exists and is current; else null (nothing is created or migrated). */
export async function withCatalogIfAny<T>(config: CadenceConfig, run: (catalog: Catalog | null) => Promise<T>): Promise<T> {
  const { existsSync } = await import('node:fs');
  const { openCatalog } = await import('../catalog/open-catalog.ts');
  let catalog: Catalog | null = null;
  try {
    if (existsSync(config.catalogPath)) catalog = openCatalog(config.catalogPath, { readonly: true });
  } catch (error) {
    // An older schema cannot be read without migrating: the dry run names the release by the message's own id.
    if (!(isCadenceError(error) && error.code === 'CATALOG')) throw error;
  }
  try {
    return await run(catalog);
  } finally {
    catalog?.close();
  }
}

export function writeJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}
