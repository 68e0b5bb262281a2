// Resume positions on one machine: a SQLite file of its own beside the catalog (the catalog is a
// rebuildable index of object storage; positions are listener data that no reindex could restore).

import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { CadenceError } from '../errors/cadence-error.ts';
import type { PositionStore, ResumePosition } from './types.ts';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS positions (
  listener_id TEXT NOT NULL,
  isrc TEXT NOT NULL,
  position_ms INTEGER NOT NULL,
  updated_at_ms INTEGER NOT NULL,
  PRIMARY KEY (listener_id, isrc)
) STRICT, WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS positions_recent ON positions (listener_id, updated_at_ms DESC, isrc DESC);
`;

interface Row {
  isrc: string;
  position_ms: number;
  updated_at_ms: number;
}

const positionOf = (row: Row): ResumePosition => ({ isrc: row.isrc, positionMs: row.position_ms, updatedAt: new Date(row.updated_at_ms).toISOString() });

function failure(operation: string, path: string, cause: unknown): CadenceError {
  return new CadenceError('LISTENERS', `listener store ${path}: ${operation} failed: ${(cause as Error).message}`, { cause });
}

export function openSqlitePositionStore(path: string): PositionStore {
  let db: Database.Database;
  try {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    db = new Database(path, { timeout: 5000 });
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.exec(SCHEMA);
  } catch (cause) {
    throw failure('open', path, cause);
  }
  const upsert = db.prepare(
    'INSERT INTO positions (listener_id, isrc, position_ms, updated_at_ms) VALUES (?, ?, ?, ?) ON CONFLICT (listener_id, isrc) DO UPDATE SET position_ms = excluded.position_ms, updated_at_ms = excluded.updated_at_ms',
  );
  const one = db.prepare<[string, string], Row>('SELECT isrc, position_ms, updated_at_ms FROM positions WHERE listener_id = ? AND isrc = ?');
  const recent = db.prepare<[string, number], Row>('SELECT isrc, position_ms, updated_at_ms FROM positions WHERE listener_id = ? ORDER BY updated_at_ms DESC, isrc DESC LIMIT ?');

  const guarded = <T>(operation: string, run: () => T): Promise<T> => {
    try {
      return Promise.resolve(run());
    } catch (cause) {
      return Promise.reject(failure(operation, path, cause));
    }
  };
  return {
    put: (listenerId, position) => guarded('put', () => void upsert.run(listenerId, position.isrc, position.positionMs, Date.parse(position.updatedAt))),
    get: (listenerId, isrc) => guarded('get', () => {
      const row = one.get(listenerId, isrc);
      return row ? positionOf(row) : null;
    }),
    list: (listenerId, limit) => guarded('list', () => recent.all(listenerId, limit).map(positionOf)),
    close: async () => {
      if (db.open) db.close();
    },
  };
}
