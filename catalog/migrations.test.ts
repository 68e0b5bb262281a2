import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CadenceError } from '../errors/cadence-error.ts';
import { MIGRATIONS, SCHEMA_VERSION, migrate, schemaVersion } from './migrations.ts';
import { openCatalog } from './open-catalog.ts';
import { rowCounts, samplePublish, tempCatalogPath, withRaw } from './test-support.ts';

let path: string;
let cleanup: () => void;
beforeEach(() => ({ path, cleanup } = tempCatalogPath()));
afterEach(() => cleanup());

function tableNames(file: string): string[] {
  return withRaw(file, (db) =>
    db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").pluck().all() as string[],
  );
}

describe('migrations', () => {
  it('creates the parent folders and the full schema on a fresh file', () => {
    openCatalog(path).close();
    expect(existsSync(path)).toBe(true);
    expect(withRaw(path, schemaVersion)).toBe(SCHEMA_VERSION);
    // FTS5 adds its shadow tables (track_search_*) beside the virtual table.
    expect(tableNames(path).filter((name) => !/^track_search_/.test(name))).toEqual([
      'ingest_jobs', 'journal_position', 'labels', 'play_counts', 'play_stream_position', 'release_aliases', 'release_territories', 'release_tracks', 'releases', 'renditions',
      'search_docs', 'search_term_variants', 'search_terms', 'track_rights', 'track_search', 'tracks', 'versions',
    ]);
  });

  it('re-opening an up-to-date catalog changes nothing and keeps the data', () => {
    const first = openCatalog(path);
    first.publish(samplePublish());
    first.close();
    const before = rowCounts(path);

    const again = openCatalog(path);
    expect(again.currentVersion('GBAYE2600001')).toBe('v1');
    again.close();
    expect(rowCounts(path)).toEqual(before);
    expect(withRaw(path, schemaVersion)).toBe(SCHEMA_VERSION);
  });

  it('refuses a catalog written by newer code, read-write and read-only', () => {
    openCatalog(path).close();
    withRaw(path, (db) => db.pragma(`user_version = ${SCHEMA_VERSION + 1}`));
    for (const readonly of [false, true]) {
      const open = () => openCatalog(path, { readonly });
      expect(open).toThrow(CadenceError);
      expect(open).toThrow(/newer than this code knows/);
      try {
        open();
      } catch (error) {
        expect((error as CadenceError).code).toBe('CATALOG');
      }
    }
    // Refusing must not touch the file.
    expect(withRaw(path, schemaVersion)).toBe(SCHEMA_VERSION + 1);
  });

  it('a read-only open of an unmigrated or missing file is a CATALOG error', () => {
    expect(() => openCatalog(path, { readonly: true })).toThrow(/cannot open catalog/);
    expect(existsSync(path)).toBe(false);

    openCatalog(path).close();
    withRaw(path, (db) => db.pragma('user_version = 0'));
    expect(() => openCatalog(path, { readonly: true })).toThrow(/open it read-write once to migrate/);
  });

  it('a migration that fails part-way leaves the schema at the last whole step', () => {
    const db = new Database(':memory:');
    const broken = [
      ...MIGRATIONS,
      { name: 'broken', sql: 'CREATE TABLE half_done (x INTEGER); CREATE TABLE oops (' },
    ];
    expect(() => migrate(db, broken)).toThrow();
    expect(schemaVersion(db)).toBe(SCHEMA_VERSION);
    expect(db.prepare("SELECT count(*) FROM sqlite_schema WHERE name = 'half_done'").pluck().get()).toBe(0);
    db.close();
  });

  it('keeps the file in WAL mode on disk', () => {
    const catalog = openCatalog(path);
    catalog.publish(samplePublish());
    // While a connection is open the write-ahead log sits beside the file.
    expect(existsSync(`${path}-wal`)).toBe(true);
    catalog.close();
    // journal_mode=WAL is persistent: a plain connection sees it without being told.
    expect(withRaw(path, (db) => db.pragma('journal_mode', { simple: true }))).toBe('wal');
  });

  it('works in memory for tests', () => {
    const catalog = openCatalog(':memory:');
    catalog.publish(samplePublish());
    expect(catalog.currentVersion('GBAYE2600001')).toBe('v1');
    catalog.close();
  });
});
