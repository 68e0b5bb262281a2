// The ingest job log: one row per attempt to ingest one track of one delivery.

import type BetterSqlite3 from 'better-sqlite3';
import { CadenceError } from '../errors/cadence-error.ts';
import type { Catalog, JobRecord, JobState } from './types.ts';

interface JobRow {
  id: number;
  isrc: string;
  delivery: string;
  state: JobState;
  version: string | null;
  last_error: string | null;
  started_at: string;
  finished_at: string | null;
}

export type JobStatements = Pick<Catalog, 'startJob' | 'finishJob' | 'jobs'>;

export function prepareJobs(db: BetterSqlite3.Database, now: () => Date): JobStatements {
  const insert = db.prepare<[string, string, string]>(
    "INSERT INTO ingest_jobs (isrc, delivery, state, started_at) VALUES (?, ?, 'running', ?)",
  );
  // Only a running job can finish, so a late or repeated finish cannot rewrite the outcome.
  const finish = db.prepare(`
    UPDATE ingest_jobs SET state = @state, version = @version, last_error = @error, finished_at = @now
    WHERE id = @id AND state = 'running'`);
  const stateOf = db.prepare<[number], JobState>('SELECT state FROM ingest_jobs WHERE id = ?').pluck();
  const all = db.prepare<[], JobRow>('SELECT * FROM ingest_jobs ORDER BY id');
  const byIsrc = db.prepare<[string], JobRow>('SELECT * FROM ingest_jobs WHERE isrc = ? ORDER BY id');

  return {
    startJob: ({ isrc, delivery }) => Number(insert.run(isrc, delivery, now().toISOString()).lastInsertRowid),
    finishJob: (id, { state, version = null, error = null }) => {
      const changed = finish.run({ id, state, version, error, now: now().toISOString() }).changes;
      if (changed === 1) return;
      const found = stateOf.get(id);
      if (found === undefined) throw new CadenceError('NOT_FOUND', `no ingest job ${id}`);
      throw new CadenceError('CATALOG', `ingest job ${id} already finished as ${found}`);
    },
    jobs: (isrc) => (isrc === undefined ? all.all() : byIsrc.all(isrc)).map(toJob),
  };
}

function toJob(row: JobRow): JobRecord {
  return {
    id: row.id,
    isrc: row.isrc,
    delivery: row.delivery,
    state: row.state,
    version: row.version,
    lastError: row.last_error,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
  };
}
