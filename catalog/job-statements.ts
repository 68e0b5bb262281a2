// The ingest job log: one row per attempt to ingest one track of one delivery.

import type BetterSqlite3 from 'better-sqlite3';
import { CadenceError } from '../errors/cadence-error.ts';
import type { Catalog, JobOwner, JobRecord, JobState } from './types.ts';

interface JobRow {
  id: number;
  isrc: string;
  delivery: string;
  state: JobState;
  version: string | null;
  last_error: string | null;
  started_at: string;
  finished_at: string | null;
  owner_pid: number | null;
  owner_host: string | null;
  owner_started_at: string | null;
}

export type JobStatements = Pick<Catalog, 'startJob' | 'finishJob' | 'jobs' | 'failAbandonedJobs'>;

export function prepareJobs(db: BetterSqlite3.Database, now: () => Date): JobStatements {
  const insert = db.prepare<[string, string, string, number | null, string | null, string | null]>(
    "INSERT INTO ingest_jobs (isrc, delivery, state, started_at, owner_pid, owner_host, owner_started_at) VALUES (?, ?, 'running', ?, ?, ?, ?)",
  );
  const running = db.prepare<[], JobRow>("SELECT * FROM ingest_jobs WHERE state = 'running' ORDER BY id");
  // Only a running job can finish, so a late or repeated finish cannot rewrite the outcome.
  const finish = db.prepare(`
    UPDATE ingest_jobs SET state = @state, version = @version, last_error = @error, finished_at = @now
    WHERE id = @id AND state = 'running'`);
  const byId = db.prepare<[number], JobRow>('SELECT * FROM ingest_jobs WHERE id = ?');
  const stateOf = db.prepare<[number], JobState>('SELECT state FROM ingest_jobs WHERE id = ?').pluck();
  const all = db.prepare<[], JobRow>('SELECT * FROM ingest_jobs ORDER BY id');
  const byIsrc = db.prepare<[string], JobRow>('SELECT * FROM ingest_jobs WHERE isrc = ? ORDER BY id');

  return {
    startJob: ({ isrc, delivery, owner }) =>
      Number(insert.run(isrc, delivery, now().toISOString(), owner?.pid ?? null, owner?.host ?? null, owner?.startedAt ?? null).lastInsertRowid),
    finishJob: (id, { state, version = null, error = null }) => {
      const changed = finish.run({ id, state, version, error, now: now().toISOString() }).changes;
      if (changed === 1) return;
      const found = stateOf.get(id);
      if (found === undefined) throw new CadenceError('NOT_FOUND', `no ingest job ${id}`);
      throw new CadenceError('CATALOG', `ingest job ${id} already finished as ${found}`);
    },
    jobs: (isrc) => (isrc === undefined ? all.all() : byIsrc.all(isrc)).map(toJob),
    failAbandonedJobs: (isGone) => {
      const abandoned = running.all().map(toJob).filter((job) => isGone(job.owner));
      if (abandoned.length === 0) return [];
      const stamp = now().toISOString();
      // One statement per job, each guarded by state = 'running': a job its owner finishes
      // meanwhile keeps its real outcome.
      db.transaction(() => {
        for (const job of abandoned) {
          finish.run({ id: job.id, state: 'failed', version: job.version, error: `ABORTED: ${describeOwner(job.owner)} is gone; the job never finished`, now: stamp });
        }
      }).immediate();
      return abandoned.map((job) => toJob(byId.get(job.id)!));
    },
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
    owner: ownerOf(row),
  };
}

function ownerOf(row: JobRow): JobOwner | null {
  if (row.owner_pid === null || row.owner_host === null || row.owner_started_at === null) return null;
  return { pid: row.owner_pid, host: row.owner_host, startedAt: row.owner_started_at };
}

function describeOwner(owner: JobOwner | null): string {
  return owner === null ? 'its owner process (not recorded)' : `owner process ${owner.pid} on ${owner.host} (started ${owner.startedAt})`;
}
