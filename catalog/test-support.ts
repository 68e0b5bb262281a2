// Builders and probes shared by the catalog tests (and the child processes they spawn).

import { closeSync, copyFileSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { syntheticRenditions } from '../fixtures/renditions.ts';
import { type LoadSearchFixtureOptions, loadSearchFixture } from '../fixtures/search-catalog.ts';
import { openCatalog } from './open-catalog.ts';
import type { PublishInput } from './types.ts';

export interface SampleOptions {
  isrc?: string;
  version?: string;
  upc?: string;
  label?: string;
  title?: string;
  territories?: string[];
}

/** A complete publish input; its version content depends only on (isrc, version). */
export function samplePublish({
  isrc = 'GBAYE2600001',
  version = 'v1',
  upc = '012345678905',
  label = 'Northern Lights Records',
  title = 'Prelude',
  territories = ['WW'],
}: SampleOptions = {}): PublishInput {
  return {
    release: {
      upc,
      label,
      title: 'Aurora',
      artists: ['Ilse Varga', 'Nordic Strings'],
      releaseDate: '2026-11-01',
      genre: 'Classical',
      territories,
      cover: null,
    },
    track: { isrc, upc, title, artists: ['Ilse Varga'], trackNumber: 1, discNumber: 1, explicit: false },
    version: {
      isrc,
      version,
      durationSeconds: 187.25,
      loudness: { integrated: -18.4, range: 7.5, truePeak: -1.2 },
      renditions: syntheticRenditions(),
      publishedAt: '2026-11-01T10:00:00.000Z',
    },
  };
}


/** A fresh folder for one test's catalog file; call the returned cleanup afterwards. */
export function tempCatalogPath(): { path: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'cadence-catalog-'));
  return { path: join(dir, 'nested', 'catalog.db'), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A catalog file already holding the search fixture (written and closed), for tests that open their own connections to it. */
export function searchFixtureFile(options?: LoadSearchFixtureOptions): { path: string; cleanup: () => void } {
  const file = tempCatalogPath();
  const setup = openCatalog(file.path);
  try {
    loadSearchFixture(setup, options);
  } finally {
    setup.close();
  }
  return file;
}

const TABLES = ['labels', 'releases', 'release_territories', 'tracks', 'release_tracks', 'versions', 'renditions', 'ingest_jobs'] as const;
export type TableName = (typeof TABLES)[number];

/** Row counts per table, read over a separate raw connection. */
export function rowCounts(path: string): Record<TableName, number> {
  return withRaw(path, (db) =>
    Object.fromEntries(
      TABLES.map((table) => [table, db.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number]),
    ) as Record<TableName, number>,
  );
}

/** Problems a crash or a race could leave behind; empty when the file is consistent. */
export function consistencyProblems(path: string, renditionsPerVersion = syntheticRenditions().length): string[] {
  return withRaw(path, (db) => {
    const problems: string[] = [];
    const integrity = db.pragma('integrity_check', { simple: true });
    if (integrity !== 'ok') problems.push(`integrity_check: ${String(integrity)}`);
    for (const row of db.pragma('foreign_key_check') as unknown[]) problems.push(`foreign key: ${JSON.stringify(row)}`);
    const broken = db.prepare(`
      SELECT t.isrc, t.current_version, count(r.id) AS renditions
      FROM tracks t
      LEFT JOIN versions v ON v.isrc = t.isrc AND v.version = t.current_version
      LEFT JOIN renditions r ON r.isrc = v.isrc AND r.version = v.version
      WHERE t.current_version IS NOT NULL
      GROUP BY t.isrc
      HAVING count(v.version) = 0 OR count(r.id) <> ?`).all(renditionsPerVersion);
    for (const row of broken) problems.push(`current version without its renditions: ${JSON.stringify(row)}`);
    // Every track on a release is on the release that owns it (one a DDEX update dropped from its
    // only release is on none: membership-statements.ts).
    const homeless = db
      .prepare('SELECT t.isrc FROM tracks t WHERE EXISTS (SELECT 1 FROM release_tracks m WHERE m.isrc = t.isrc) AND NOT EXISTS (SELECT 1 FROM release_tracks m WHERE m.isrc = t.isrc AND m.upc = t.upc)')
      .pluck()
      .all();
    for (const isrc of homeless) problems.push(`track not on its own release: ${String(isrc)}`);
    // The search index is written in the publish transaction: one row per track, always.
    const unindexed = db.prepare('SELECT count(*) FROM tracks t WHERE NOT EXISTS (SELECT 1 FROM track_search s WHERE s.rowid = t.rowid)').pluck().get() as number;
    const indexed = db.prepare('SELECT count(*) FROM track_search').pluck().get() as number;
    const tracks = db.prepare('SELECT count(*) FROM tracks').pluck().get() as number;
    if (unindexed > 0 || indexed !== tracks) problems.push(`search index out of step: ${indexed} rows for ${tracks} tracks (${unindexed} missing)`);
    return problems;
  });
}

/** What a catalog says is published, row by row (local stamps left out): two nodes that applied the same journal agree. */
export function publishedRows(path: string): unknown {
  return withRaw(path, (db) =>
    ['releases', 'release_territories', 'tracks', 'release_tracks', 'versions', 'renditions', 'search_docs', 'journal_position'].map((table) =>
      db.prepare(`SELECT * FROM ${table} ORDER BY 1, 2`).all().map((row) => ({ ...(row as object), updated_at: undefined, revision: undefined, plays: undefined })),
    ),
  );
}

export function withRaw<T>(path: string, run: (db: Database.Database) => T): T {
  const db = new Database(path, { fileMustExist: true });
  try {
    return run(db);
  } finally {
    db.close();
  }
}

/** The two ways a catalog reads search fields (search-docs.ts): search tests run under both. */
export const SEARCH_MODES = [{ searchInMemory: false }, { searchInMemory: true }] as const;

/** Copies a closed catalog file to `copy` with the root page of `table` overwritten by garbage. */
export function corruptedCopy(path: string, table: string, copy: string): string {
  const { pageSize, rootPage } = withRaw(path, (db) => ({
    pageSize: db.pragma('page_size', { simple: true }) as number,
    rootPage: db.prepare('SELECT rootpage FROM sqlite_schema WHERE name = ?').pluck().get(table) as number,
  }));
  copyFileSync(path, copy);
  const fd = openSync(copy, 'r+');
  try {
    writeSync(fd, Buffer.alloc(pageSize, 0xa5), 0, pageSize, (rootPage - 1) * pageSize);
  } finally {
    closeSync(fd);
  }
  return copy;
}
