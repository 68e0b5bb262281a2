// Opens (and creates, and migrates) the SQLite catalog file.

import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { catalogFailure } from './catalog-failure.ts';
import { assertSchemaCurrent, migrate } from './migrations.ts';
import { retryWhileBusy } from './retry-busy.ts';
import { createSqliteCatalog } from './sqlite-catalog.ts';
import type { Catalog } from './types.ts';

export interface OpenCatalogOptions {
  /** Open without write access: no file creation, no migrations; writes fail with CATALOG. */
  readonly?: boolean;
  /** How long a writer waits for another process's write lock before failing. */
  busyTimeoutMs?: number;
  /** How long a write retries, in all, while the catalog stays busy (sqlite-catalog.ts). */
  writeRetryMs?: number;
  /** Clock for the catalog's timestamps; tests pin it. */
  now?: () => Date;
  /**
   * Load every track's search fields and the list of tracks of every word into memory now (~2.5 s,
   * ~90 MB of heap and ~35 MB of lists at a million tracks, in each process) and keep them current,
   * for searches ~3× cheaper than through FTS5 alone: for `serve`, not for one-shot commands.
   */
  searchInMemory?: boolean;
}

const MEMORY = ':memory:';
/** How much of the catalog file reads may map (more than a million-track catalog needs). */
const MMAP_BYTES = 1 << 30;

export function openCatalog(
  path: string,
  { readonly = false, busyTimeoutMs = 5000, writeRetryMs, now, searchInMemory }: OpenCatalogOptions = {},
): Catalog {
  let db: Database.Database;
  try {
    if (!readonly && path !== MEMORY) mkdirSync(dirname(path), { recursive: true });
    db = new Database(path, { readonly, fileMustExist: readonly, timeout: busyTimeoutMs });
  } catch (cause) {
    throw catalogFailure(`cannot open catalog ${path}`, cause, path);
  }
  try {
    db.pragma(`busy_timeout = ${busyTimeoutMs}`);
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    // Reads go straight to the mapped file instead of through read() into SQLite's own small
    // page cache: searches at a million tracks are 10–15% faster. Address space only; the OS
    // shares the pages between the origin's workers.
    db.pragma(`mmap_size = ${MMAP_BYTES}`);
    retryWhileBusy(() => {
      // WAL + NORMAL: a commit survives a killed process (only power loss can drop the last
      // commits), and readers never block the writer. The mode is stored in the file.
      if (!readonly && path !== MEMORY && db.pragma('journal_mode', { simple: true }) !== 'wal') {
        db.pragma('journal_mode = WAL');
      }
      if (readonly) assertSchemaCurrent(db);
      else migrate(db);
    }, { timeoutMs: busyTimeoutMs });
    return createSqliteCatalog(db, { now, searchInMemory, writeRetryMs });
  } catch (cause) {
    db.close();
    throw catalogFailure(`cannot prepare catalog ${path}`, cause, path);
  }
}
