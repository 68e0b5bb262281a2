import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openCatalog } from './open-catalog.ts';
import { corruptedCopy, samplePublish, tempCatalogPath } from './test-support.ts';

let cleanup: () => void = () => {};
afterEach(() => cleanup());

function closedCatalog(): string {
  const file = tempCatalogPath();
  cleanup = file.cleanup;
  const catalog = openCatalog(file.path);
  catalog.publishMany(Array.from({ length: 300 }, (_, i) => samplePublish({ isrc: `GBAYE26${String(i + 1).padStart(5, '0')}`, version: `v${i}` })));
  catalog.close();
  return file.path;
}

describe('Catalog.quickCheck', () => {
  it('is null for a sound file and in memory', async () => {
    const catalog = openCatalog(closedCatalog());
    const memory = openCatalog(':memory:');
    try {
      expect(await catalog.quickCheck()).toBeNull();
      expect(await memory.quickCheck()).toBeNull();
    } finally {
      catalog.close();
      memory.close();
    }
  });

  it('names the damage of a corrupted page, without the event loop waiting on it', async () => {
    const path = closedCatalog();
    const catalog = openCatalog(corruptedCopy(path, 'renditions', join(dirname(path), 'corrupted.db')));
    try {
      let ticks = 0;
      const ticker = setInterval(() => (ticks += 1), 0);
      const problem = await catalog.quickCheck();
      clearInterval(ticker);
      expect(problem).toMatch(/page|malformed|corrupt/i);
      expect(ticks).toBeGreaterThan(0);
    } finally {
      catalog.close();
    }
  });
});
