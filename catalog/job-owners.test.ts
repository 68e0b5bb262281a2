// The job log keeps each job's owner process and knows `aborted` (migration 8); running jobs of
// owners that are gone are marked failed, so no row stays `running` forever.

import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { MIGRATIONS, migrate } from './migrations.ts';
import { openCatalog } from './open-catalog.ts';
import { tempCatalogPath } from './test-support.ts';

let cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups) cleanup();
  cleanups = [];
});

function path(): string {
  const file = tempCatalogPath();
  cleanups.push(file.cleanup);
  return file.path;
}

const OWNER = { pid: 4242, host: 'node-a', startedAt: '2026-12-03T09:00:00.000Z' };
const JOB_OWNERS = MIGRATIONS.findIndex((migration) => migration.name === 'job owners and the aborted state');

describe('job owners', () => {
  it('the migration keeps every existing job and its id sequence, and accepts the aborted state', () => {
    const file = path();
    const db = new Database(file.replace('/nested', ''));
    migrate(db, MIGRATIONS.slice(0, JOB_OWNERS));
    db.prepare("INSERT INTO ingest_jobs (isrc, delivery, state, started_at) VALUES ('GBAYE2600001', 'd.json', 'running', '2026-01-01T00:00:00Z')").run();
    db.prepare("INSERT INTO ingest_jobs (isrc, delivery, state, version, started_at, finished_at) VALUES ('GBAYE2600002', 'd.json', 'published', 'v1', '2026-01-01T00:00:00Z', '2026-01-01T00:01:00Z')").run();
    expect(() => db.prepare("UPDATE ingest_jobs SET state = 'aborted' WHERE id = 1").run()).toThrow(/CHECK/);
    db.close();

    const catalog = openCatalog(file.replace('/nested', ''));
    try {
      expect(catalog.jobs().map(({ id, state, owner }) => ({ id, state, owner }))).toEqual([
        { id: 1, state: 'running', owner: null },
        { id: 2, state: 'published', owner: null },
      ]);
      const third = catalog.startJob({ isrc: 'GBAYE2600003', delivery: 'd.json', owner: OWNER });
      expect(third).toBe(3);
      catalog.finishJob(third, { state: 'aborted', error: 'ABORTED: interrupted by SIGINT' });
      expect(catalog.jobs('GBAYE2600003')[0]).toMatchObject({ state: 'aborted', owner: OWNER });
    } finally {
      catalog.close();
    }
  });

  it('marks running jobs whose owner is gone as failed, and leaves live owners and finished jobs alone', () => {
    const catalog = openCatalog(path(), { now: () => new Date('2026-12-03T10:00:00.000Z') });
    try {
      const gone = catalog.startJob({ isrc: 'GBAYE2600001', delivery: 'd.json', owner: OWNER });
      const live = catalog.startJob({ isrc: 'GBAYE2600002', delivery: 'd.json', owner: { ...OWNER, pid: 7 } });
      const done = catalog.startJob({ isrc: 'GBAYE2600003', delivery: 'd.json', owner: OWNER });
      catalog.finishJob(done, { state: 'published', version: 'v1' });

      const marked = catalog.failAbandonedJobs((owner) => owner?.pid === OWNER.pid);
      expect(marked.map((job) => job.id)).toEqual([gone]);
      expect(catalog.jobs()).toMatchObject([
        { id: gone, state: 'failed', lastError: 'ABORTED: owner process 4242 on node-a (started 2026-12-03T09:00:00.000Z) is gone; the job never finished', finishedAt: '2026-12-03T10:00:00.000Z' },
        { id: live, state: 'running' },
        { id: done, state: 'published' },
      ]);
      expect(catalog.failAbandonedJobs(() => true).map((job) => job.id)).toEqual([live]);
    } finally {
      catalog.close();
    }
  });
});
