// Issue 15 point 6: a catalog whose schema is current opens without the write lock, and writes
// wait out another process's write transaction (bounded) instead of failing at the first busy.

import { spawn } from 'node:child_process';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { openCatalog } from './open-catalog.ts';
import { samplePublish, tempCatalogPath } from './test-support.ts';

let cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups) cleanup();
  cleanups = [];
});

function publishedCatalog(): string {
  const file = tempCatalogPath();
  cleanups.push(file.cleanup);
  const setup = openCatalog(file.path);
  setup.publish(samplePublish());
  setup.close();
  return file.path;
}

/** Another connection inside a write transaction (uncommitted insert), until the returned release. */
function holdWriteLock(path: string): () => void {
  const holder = new Database(path);
  holder.exec('BEGIN IMMEDIATE');
  holder.prepare("INSERT INTO labels (name) VALUES ('held')").run();
  return () => {
    holder.exec('ROLLBACK');
    holder.close();
  };
}

/** A separate process that takes the write lock, says so, and keeps it for `ms`. */
function holdWriteLockElsewhere(path: string, ms: number): Promise<{ released: Promise<void> }> {
  const script = `
    const Database = require('better-sqlite3');
    const db = new Database(process.argv[1]);
    db.exec('BEGIN IMMEDIATE');
    db.prepare("INSERT INTO labels (name) VALUES ('held elsewhere')").run();
    process.stdout.write('held\\n');
    setTimeout(() => { db.exec('COMMIT'); db.close(); }, Number(process.argv[2]));`;
  const child = spawn(process.execPath, ['-e', script, path, String(ms)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const released = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.stdout.once('data', () => resolve({ released }));
  });
}

describe('a catalog under another writer', () => {
  it('opens (read-write and read-only) and reads at once while another connection holds a write transaction', () => {
    const path = publishedCatalog();
    const release = holdWriteLock(path);
    try {
      for (const readonly of [false, true]) {
        const started = performance.now();
        const catalog = openCatalog(path, { readonly, busyTimeoutMs: 1500 });
        try {
          expect(performance.now() - started).toBeLessThan(1000);
          expect(catalog.getTrack('GBAYE2600001')?.title).toBe('Prelude');
          expect(catalog.search({ q: 'prelude' }).map((r) => r.isrc)).toEqual(['GBAYE2600001']);
        } finally {
          catalog.close();
        }
      }
    } finally {
      release();
    }
  });

  it('a write retries past busy_timeout until the other writer commits', async () => {
    const path = publishedCatalog();
    const catalog = openCatalog(path, { busyTimeoutMs: 200, writeRetryMs: 10_000 });
    try {
      const { released } = await holdWriteLockElsewhere(path, 1200);
      const started = performance.now();
      const id = catalog.startJob({ isrc: 'GBAYE2600001', delivery: 'd.json' });
      expect(performance.now() - started).toBeGreaterThan(500);
      expect(catalog.jobs('GBAYE2600001').map((job) => job.id)).toEqual([id]);
      await released;
    } finally {
      catalog.close();
    }
  });

  it('gives up with a CATALOG error once the bounded retry is spent', () => {
    const path = publishedCatalog();
    const catalog = openCatalog(path, { busyTimeoutMs: 100, writeRetryMs: 300 });
    const release = holdWriteLock(path);
    try {
      const started = performance.now();
      expect(() => catalog.publish(samplePublish({ version: 'v2' }))).toThrow(/CATALOG|database is locked/);
      expect(performance.now() - started).toBeLessThan(2000);
    } finally {
      release();
      catalog.close();
    }
  });
});
