// Issue 15 point 7: GET /readyz is 503 when the catalog fails a quick integrity check or storage
// cannot be read (and /healthz stays 200: the process is alive), 200 otherwise.

import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { openCatalog } from '../catalog/open-catalog.ts';
import { corruptedCopy, samplePublish } from '../catalog/test-support.ts';
import { openObjectStore } from '../storage/open-store.ts';
import { createOriginApp } from './app.ts';
import { testOriginConfig } from './test-support.ts';
import { anonymousListeners } from '../listeners/test-support.ts';

let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A closed catalog file with enough tracks that each table spans several pages. */
function catalogFile(): string {
  dir = mkdtempSync(join(tmpdir(), 'cadence-readyz-'));
  const path = join(dir, 'catalog.db');
  const catalog = openCatalog(path);
  catalog.publishMany(Array.from({ length: 300 }, (_, i) => samplePublish({ isrc: `GBAYE26${String(i + 1).padStart(5, '0')}`, version: `v${i}` })));
  catalog.close();
  return path;
}

async function probe(catalogPath: string, storeRoot: string): Promise<{ readyz: Response; healthz: Response; close: () => void }> {
  const catalog = openCatalog(catalogPath);
  const app = createOriginApp(
    testOriginConfig(),
    { store: openObjectStore(`file://${storeRoot}`, {}), catalog, logger: pino({ level: 'silent' }), listeners: anonymousListeners() },
  );
  const readyz = await app.fetch(new Request('http://origin/readyz'));
  const healthz = await app.fetch(new Request('http://origin/healthz'));
  return { readyz, healthz, close: () => (app.stop(), catalog.close()) };
}

describe('GET /readyz', () => {
  it('is 200 over a sound catalog and a readable store', async () => {
    const path = catalogFile();
    mkdirSync(join(dir, 'objects'));
    const { readyz, close } = await probe(path, join(dir, 'objects'));
    close();
    expect(readyz.status).toBe(200);
    expect(await readyz.json()).toEqual({ status: 'ready', checks: { catalog: 'ok', storage: 'ok' } });
  });

  it('is 503 when a catalog page is corrupted, while /healthz stays 200', async () => {
    const copy = corruptedCopy(catalogFile(), 'renditions', join(dir, 'corrupted.db'));
    const { readyz, healthz, close } = await probe(copy, join(dir, 'objects'));
    close();
    expect(healthz.status).toBe(200);
    expect(readyz.status).toBe(503);
    const text = await readyz.text();
    expect(JSON.parse(text)).toMatchObject({ error: 'not_ready', checks: { catalog: 'failed', storage: 'ok' } });
    expect(text).not.toContain(dir);
  });

  it('is 503 when storage cannot be read', async () => {
    const path = catalogFile();
    // A folder that loops back on itself: every read fails with ELOOP, even for root.
    const root = join(dir, 'objects');
    symlinkSync(root, root);
    const { readyz, close } = await probe(path, root);
    close();
    expect(readyz.status).toBe(503);
    const text = await readyz.text();
    expect(JSON.parse(text)).toMatchObject({ error: 'not_ready', message: 'storage not usable', checks: { catalog: 'ok', storage: 'failed' } });
    expect(text).not.toContain(dir);
  });
});
