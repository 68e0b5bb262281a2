// Issue 15 point 7: a full disk is reported as "no space left", not SQLite's "disk I/O error".

import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { migrate } from './migrations.ts';
import { openCatalog } from './open-catalog.ts';
import { createSqliteCatalog } from './sqlite-catalog.ts';
import { samplePublish, tempCatalogPath } from './test-support.ts';

/** A 2 MiB tmpfs: a really full file system. Needs root (CI containers run tests as root). */
function smallFileSystem(): { dir: string; unmount: () => void } | null {
  const dir = mkdtempSync(join(tmpdir(), 'cadence-full-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', dir], { stdio: 'ignore' });
  } catch {
    rmSync(dir, { recursive: true, force: true });
    return null;
  }
  return {
    dir,
    unmount: () => {
      execFileSync('umount', [dir]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const small = smallFileSystem();
afterAll(() => small?.unmount());

describe('a full disk under the catalog', () => {
  it('a catalog that cannot grow (SQLITE_FULL) is a CATALOG error naming no space left', () => {
    const file = tempCatalogPath();
    const db = new Database(file.path.replace('/nested', ''));
    try {
      migrate(db);
      // SQLite's own size cap fails exactly as a full disk does: SQLITE_FULL.
      db.pragma(`max_page_count = ${db.pragma('page_count', { simple: true }) as number}`);
      const catalog = createSqliteCatalog(db);
      expect(() => {
        for (let i = 1; i < 500; i++) catalog.publish(samplePublish({ isrc: `GBAYE26${String(i).padStart(5, '0')}`, version: `v${i}` }));
      }).toThrow(/no space left/);
    } finally {
      db.close();
      file.cleanup();
    }
  });

  it.skipIf(small === null)('a publish on a full file system is a CATALOG error naming no space left, not a disk I/O error', () => {
    const path = join(small!.dir, 'catalog.db');
    const catalog = openCatalog(path);
    catalog.publish(samplePublish());
    catalog.close();
    // Fill every remaining byte, then try again: the WAL index cannot grow.
    try {
      writeFileSync(join(small!.dir, 'filler'), Buffer.alloc(4 << 20));
    } catch {
      // ENOSPC: the file system is now full, which is the point.
    }
    let message = '';
    try {
      const full = openCatalog(path);
      try {
        for (let i = 2; i < 200; i++) full.publish(samplePublish({ isrc: `GBAYE26${String(i).padStart(5, '0')}`, version: `v${i}` }));
      } finally {
        full.close();
      }
    } catch (error) {
      message = `${(error as { code?: string }).code}: ${(error as Error).message}`;
    }
    expect(message).toMatch(/^CATALOG: .*no space left/);
  });
});
