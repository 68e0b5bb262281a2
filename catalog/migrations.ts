// Ordered schema migrations, tracked in `PRAGMA user_version`. Append only: never edit a
// migration that has shipped; add the next one.

import type BetterSqlite3 from 'better-sqlite3';
import { CadenceError } from '../errors/cadence-error.ts';
import { PLAY_STREAM_SCHEMA } from './play-stream-statements.ts';
import { RELEASE_ALIASES_SCHEMA } from './release-alias-statements.ts';
import { RIGHTS_SCHEMA } from './rights-statements.ts';
import { SEARCH_CANDIDATES_SCHEMA, SEARCH_PLAYS_SCHEMA, SEARCH_REVISIONS_SCHEMA, SEARCH_SCHEMA, backfillSearchCandidates, backfillSearchIndex, foldSearchIndex, mergeSearchIndex } from './search-index.ts';
import { TAKEDOWN_SOURCE_SCHEMA } from './takedown-source.ts';

export interface Migration {
  /** What the migration does, for error messages. */
  name: string;
  sql: string;
  /** Data work that needs code (runs after `sql`, in the same transaction). */
  apply?: (db: BetterSqlite3.Database) => void;
}

const ARTISTS_CHECK = (column: string) =>
  `CHECK (json_valid(${column}) AND json_type(${column}) = 'array')`;

// STRICT tables so a wrongly typed value fails the publish instead of being stored as text.
const INITIAL_SCHEMA = `
CREATE TABLE labels (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE
) STRICT;

CREATE TABLE releases (
  upc TEXT PRIMARY KEY NOT NULL,
  label_id INTEGER NOT NULL REFERENCES labels (id),
  title TEXT NOT NULL,
  artists TEXT NOT NULL ${ARTISTS_CHECK('artists')},
  release_date TEXT NOT NULL,
  genre TEXT
) STRICT;
CREATE INDEX releases_by_label ON releases (label_id);

-- position keeps the delivery's order; the primary key keeps the set free of duplicates.
CREATE TABLE release_territories (
  upc TEXT NOT NULL REFERENCES releases (upc) ON DELETE CASCADE,
  territory TEXT NOT NULL,
  position INTEGER NOT NULL,
  PRIMARY KEY (upc, territory)
) STRICT, WITHOUT ROWID;

-- The composite key to versions means a track can never point at a version that does not
-- exist, and garbage collection cannot delete the version a track currently serves.
CREATE TABLE tracks (
  isrc TEXT PRIMARY KEY NOT NULL,
  upc TEXT NOT NULL REFERENCES releases (upc),
  title TEXT NOT NULL,
  artists TEXT NOT NULL ${ARTISTS_CHECK('artists')},
  track_number INTEGER NOT NULL CHECK (track_number >= 1),
  disc_number INTEGER NOT NULL CHECK (disc_number >= 1),
  explicit INTEGER NOT NULL CHECK (explicit IN (0, 1)),
  current_version TEXT,
  updated_at TEXT NOT NULL,
  FOREIGN KEY (isrc, current_version) REFERENCES versions (isrc, version)
) STRICT;
CREATE INDEX tracks_by_upc ON tracks (upc);

-- Versions are immutable: rows are only ever inserted (and later deleted by GC).
CREATE TABLE versions (
  isrc TEXT NOT NULL REFERENCES tracks (isrc) ON DELETE CASCADE,
  version TEXT NOT NULL,
  duration_seconds REAL NOT NULL CHECK (duration_seconds >= 0),
  loudness_integrated REAL,
  loudness_range REAL NOT NULL,
  true_peak REAL,
  published_at TEXT NOT NULL,
  PRIMARY KEY (isrc, version)
) STRICT;

CREATE TABLE renditions (
  isrc TEXT NOT NULL,
  version TEXT NOT NULL,
  id TEXT NOT NULL,
  position INTEGER NOT NULL,
  codec TEXT NOT NULL,
  codecs TEXT NOT NULL,
  sample_rate INTEGER NOT NULL CHECK (sample_rate > 0),
  channels INTEGER NOT NULL CHECK (channels > 0),
  bit_depth INTEGER CHECK (bit_depth IS NULL OR bit_depth > 0),
  average_bitrate INTEGER NOT NULL CHECK (average_bitrate >= 0),
  peak_bitrate INTEGER NOT NULL CHECK (peak_bitrate >= 0),
  PRIMARY KEY (isrc, version, id),
  FOREIGN KEY (isrc, version) REFERENCES versions (isrc, version) ON DELETE CASCADE
) STRICT;

-- No key to tracks: a job starts before its track exists, and failed jobs never create one.
CREATE TABLE ingest_jobs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  isrc TEXT NOT NULL,
  delivery TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('running', 'published', 'skipped', 'failed')),
  version TEXT,
  last_error TEXT,
  started_at TEXT NOT NULL,
  finished_at TEXT
) STRICT;
CREATE INDEX ingest_jobs_by_isrc ON ingest_jobs (isrc, id);
`;

// One recording may sit on several releases of its label (a single, the album, a compilation),
// each with its own position; tracks.upc stays the release that first published it, whose label
// owns the ISRC. A version remembers its master's hash, so a different master is told apart from
// the same master packaged by another ffmpeg build.
const RELEASE_MEMBERSHIP_SCHEMA = `
CREATE TABLE release_tracks (
  upc TEXT NOT NULL REFERENCES releases (upc),
  isrc TEXT NOT NULL REFERENCES tracks (isrc) ON DELETE CASCADE,
  disc_number INTEGER NOT NULL CHECK (disc_number >= 1),
  track_number INTEGER NOT NULL CHECK (track_number >= 1),
  PRIMARY KEY (upc, isrc)
) STRICT, WITHOUT ROWID;
CREATE INDEX release_tracks_by_isrc ON release_tracks (isrc);
INSERT INTO release_tracks (upc, isrc, disc_number, track_number) SELECT upc, isrc, disc_number, track_number FROM tracks;
ALTER TABLE versions ADD COLUMN master_sha256 TEXT;
`;

// How far this catalog has applied the publish journal (journal/): advanced in the same
// transaction as each entry, so an entry is applied exactly once even across a crash.
const JOURNAL_POSITION_SCHEMA = `
CREATE TABLE journal_position (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  number INTEGER NOT NULL CHECK (number >= 0),
  entry_at TEXT
) STRICT;
INSERT INTO journal_position (id, number, entry_at) VALUES (1, 0, NULL);
`;

// SQLite cannot change a CHECK constraint in place: the job log is rebuilt with the `aborted`
// state (an interrupted ingest) and the process that runs each job, so a later run can tell a
// `running` row whose process is gone (killed, crashed, machine rebooted) from a live one.
const JOB_OWNERS_SCHEMA = `
CREATE TABLE ingest_jobs_rebuilt (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  isrc TEXT NOT NULL,
  delivery TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('running', 'published', 'skipped', 'failed', 'aborted')),
  version TEXT,
  last_error TEXT,
  started_at TEXT NOT NULL,
  finished_at TEXT,
  owner_pid INTEGER,
  owner_host TEXT,
  owner_started_at TEXT
) STRICT;
INSERT INTO ingest_jobs_rebuilt (id, isrc, delivery, state, version, last_error, started_at, finished_at)
  SELECT id, isrc, delivery, state, version, last_error, started_at, finished_at FROM ingest_jobs;
DROP TABLE ingest_jobs;
ALTER TABLE ingest_jobs_rebuilt RENAME TO ingest_jobs;
CREATE INDEX ingest_jobs_by_isrc ON ingest_jobs (isrc, id);
CREATE INDEX ingest_jobs_running ON ingest_jobs (id) WHERE state = 'running';
`;

// Migration 12: the release's cover original (storage key parts: catalog/types.ts ReleaseCover).
// Both columns are set together or both are NULL (publish-transaction.ts writes them). A column
// already there is left alone: tests that re-run an older migration re-run this one after it.
const RELEASE_COVER_COLUMNS: ReadonlyArray<[string, string]> = [
  ['cover_sha256', "TEXT CHECK (cover_sha256 IS NULL OR (length(cover_sha256) = 64 AND cover_sha256 NOT GLOB '*[^0-9a-f]*'))"],
  ['cover_extension', "TEXT CHECK (cover_extension IS NULL OR cover_extension IN ('jpg', 'png'))"],
];

/** Adds the columns a table lacks (a test re-running an older migration re-runs the newer ones after it). */
function addMissingColumns(table: string, columns: ReadonlyArray<[string, string]>): (db: BetterSqlite3.Database) => void {
  return (db) => {
    const existing = new Set(db.prepare('SELECT name FROM pragma_table_info(?)').pluck().all(table) as string[]);
    for (const [name, definition] of columns) if (!existing.has(name)) db.exec(`ALTER TABLE ${table} ADD COLUMN ${name} ${definition}`);
  };
}

// Migration 14: what a label says about a recording beyond title and artists (catalog/types.ts
// TrackRecord): its own genre, its credits with roles (a JSON array) and its ℗ line (a JSON object).
const RECORDING_FACT_COLUMNS: ReadonlyArray<[string, string]> = [
  ['genre', 'TEXT'],
  ['credits', "TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(credits) AND json_type(credits) = 'array')"],
  ['p_line', "TEXT CHECK (p_line IS NULL OR (json_valid(p_line) AND json_type(p_line) = 'object'))"],
];

/** Migration i (0-based) brings the schema to user_version i + 1. */
export const MIGRATIONS: readonly Migration[] = [
  { name: 'initial schema', sql: INITIAL_SCHEMA },
  { name: 'search index and play counts', sql: SEARCH_SCHEMA, apply: backfillSearchIndex },
  { name: 'search term counts and folded fields', sql: SEARCH_CANDIDATES_SCHEMA, apply: backfillSearchCandidates },
  { name: 'play counts beside the folded fields', sql: SEARCH_PLAYS_SCHEMA },
  { name: 'search index merged into one segment', sql: '', apply: mergeSearchIndex },
  { name: 'revisions on the folded fields', sql: SEARCH_REVISIONS_SCHEMA },
  { name: 'search index of folded words', sql: '', apply: foldSearchIndex },
  { name: 'release membership and master hashes', sql: RELEASE_MEMBERSHIP_SCHEMA },
  { name: 'publish journal position', sql: JOURNAL_POSITION_SCHEMA },
  { name: 'job owners and the aborted state', sql: JOB_OWNERS_SCHEMA },
  { name: 'rights and takedowns per track', sql: RIGHTS_SCHEMA },
  { name: 'release covers', sql: '', apply: addMissingColumns('releases', RELEASE_COVER_COLUMNS) },
  { name: 'play stream position', sql: PLAY_STREAM_SCHEMA },
  { name: 'recording genre, credits and P line', sql: '', apply: addMissingColumns('tracks', RECORDING_FACT_COLUMNS) },
  { name: 'who made each takedown', sql: TAKEDOWN_SOURCE_SCHEMA },
  { name: 'release aliases', sql: RELEASE_ALIASES_SCHEMA },
];

export const SCHEMA_VERSION = MIGRATIONS.length;

export function schemaVersion(db: BetterSqlite3.Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

function refuseNewer(db: BetterSqlite3.Database, found: number, known: number): void {
  if (found > known) {
    throw new CadenceError(
      'CATALOG',
      `catalog ${db.name} has schema version ${found}, newer than this code knows (${known}); upgrade cadence`,
    );
  }
}

/**
 * Applies every pending migration, each in its own IMMEDIATE transaction that also bumps
 * user_version, so a crash leaves the schema at a whole step and two processes opening a
 * fresh file at once apply each step exactly once (the second re-reads the version under
 * the write lock and finds nothing to do).
 */
export function migrate(db: BetterSqlite3.Database, migrations: readonly Migration[] = MIGRATIONS): void {
  const found = schemaVersion(db);
  refuseNewer(db, found, migrations.length);
  // A current schema needs no write lock: opening must not wait behind (or block) another
  // process's write transaction, so `serve` and `search` start while an ingest publishes.
  if (found === migrations.length) return;
  for (let target = 1; target <= migrations.length; target += 1) {
    const migration = migrations[target - 1]!;
    db.transaction(() => {
      const current = schemaVersion(db);
      refuseNewer(db, current, migrations.length);
      if (current >= target) return;
      db.exec(migration.sql);
      migration.apply?.(db);
      db.pragma(`user_version = ${target}`);
    }).immediate();
  }
}

/** For read-only connections, which cannot migrate: the schema must already be current. */
export function assertSchemaCurrent(db: BetterSqlite3.Database, known: number = SCHEMA_VERSION): void {
  const found = schemaVersion(db);
  refuseNewer(db, found, known);
  if (found < known) {
    throw new CadenceError(
      'CATALOG',
      `catalog ${db.name} has schema version ${found}, older than ${known}; open it read-write once to migrate`,
    );
  }
}
