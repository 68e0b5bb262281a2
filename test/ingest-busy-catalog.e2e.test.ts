// Issue 15 point 6: a publish whose job state cannot be recorded (another process keeps the
// catalog's write lock past the bounded retry) still reports the track published, and a re-run
// finds it published. Real ffmpeg, a real catalog file, a second real connection holding the lock.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCatalog } from '../catalog/open-catalog.ts';
import { makeDelivery } from '../fixtures/deliveries.ts';
import { type Delivery, loadDelivery } from '../pipeline/delivery.ts';
import { ingestDelivery } from '../pipeline/ingest.ts';
import { resolveToolPaths } from '../pipeline/tool-paths.ts';
import { openObjectStore } from '../storage/open-store.ts';

const tools = resolveToolPaths(process.env);
let scratch: string;
let delivery: Delivery;

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'cadence-busy-'));
  const { file } = await makeDelivery(join(scratch, 'delivery'), { tracks: 1, seconds: 4, series: 48 });
  delivery = await loadDelivery(file, { ffprobePath: tools.ffprobePath });
}, 60_000);
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

describe('a catalog locked between publish and job record', () => {
  it('the track is reported published, the job row waits for a later run, a re-run skips the track', async () => {
    const path = join(scratch, 'catalog.db');
    const store = openObjectStore(`file://${join(scratch, 'objects')}`);
    const catalog = openCatalog(path, { busyTimeoutMs: 50, writeRetryMs: 200 });
    let holder: Database.Database | undefined;
    try {
      const report = await ingestDelivery({
        ...tools,
        delivery,
        store,
        catalog,
        events: {
          // Right after the publish transaction, before the job's outcome is written.
          trackProgress(_isrc, _percent, stage) {
            if (stage !== 'published') return;
            holder = new Database(path);
            holder.exec('BEGIN IMMEDIATE');
          },
        },
      });
      holder?.exec('ROLLBACK');
      holder?.close();
      expect(report).toMatchObject({ published: 1, failed: 0 });
      const isrc = delivery.tracks[0]!.isrc;
      expect(catalog.currentVersion(isrc)).toBe(report.tracks[0]!.version);
      expect(catalog.jobs().map((job) => job.state)).toEqual(['running']);

      const again = await ingestDelivery({ ...tools, delivery, store, catalog });
      expect(again).toMatchObject({ skipped: 1, failed: 0 });
      expect(catalog.jobs().map((job) => job.state)).toEqual(['running', 'skipped']);
    } finally {
      if (holder?.open) holder.close();
      catalog.close();
    }
  }, 120_000);
});
