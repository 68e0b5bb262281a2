// Recording a job is bookkeeping: a catalog kept busy by another writer past the retry bound
// must not turn a published track into a failure. The row stays `running` under this process,
// and a later run (another process) marks it once this one is gone.

import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { openCatalog } from '../catalog/open-catalog.ts';
import { tempCatalogPath } from '../catalog/test-support.ts';
import { jobLedger } from './job-ledger.ts';

let cleanup: () => void = () => {};
afterEach(() => cleanup());

function recordingLogger() {
  const warnings: string[] = [];
  const ignore = () => {};
  return { warnings, logger: { debug: ignore, info: ignore, error: ignore, warn: (_: object, message?: string) => warnings.push(message ?? '') } };
}

describe('job ledger', () => {
  it('a finish the busy catalog refuses is logged, not thrown, and the row stays running under this live process', () => {
    const file = tempCatalogPath();
    cleanup = file.cleanup;
    const catalog = openCatalog(file.path, { busyTimeoutMs: 50, writeRetryMs: 100 });
    const { warnings, logger } = recordingLogger();
    const job = jobLedger(catalog, logger).start('GBAYE2600001', 'd.json');

    const holder = new Database(file.path);
    holder.exec('BEGIN IMMEDIATE');
    try {
      expect(() => job.finish('published', 'v1', null)).not.toThrow();
    } finally {
      holder.exec('ROLLBACK');
      holder.close();
    }
    expect(warnings).toEqual(['could not record the outcome of the ingest job; the next run marks it']);
    expect(catalog.jobs()).toMatchObject([{ state: 'running', owner: { pid: process.pid } }]);

    // This process is alive: its own row is not abandoned (the SIGKILL e2e shows a dead one marked).
    expect(jobLedger(catalog, logger).failAbandoned()).toEqual([]);
    catalog.close();
  });
});
