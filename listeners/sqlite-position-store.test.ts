import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describePositionStoreContract } from './position-store.contract.ts';
import { openSqlitePositionStore } from './sqlite-position-store.ts';

describePositionStoreContract('sqlite', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'cadence-positions-'));
  const path = join(dir, 'nested', 'listeners.db');
  return {
    store: openSqlitePositionStore(path),
    reopen: async () => openSqlitePositionStore(path),
    teardown: () => rm(dir, { recursive: true, force: true }),
  };
});

describe('sqlite position store', () => {
  it('creates its own file and fails with LISTENERS, naming the file, when it cannot open it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cadence-positions-'));
    try {
      const store = openSqlitePositionStore(join(dir, 'listeners.db'));
      await store.close();
      expect((await stat(join(dir, 'listeners.db'))).isFile()).toBe(true);
      expect(() => openSqlitePositionStore(join(dir, 'listeners.db', 'inside-a-file.db'))).toThrow(/LISTENERS|listener store .*inside-a-file\.db/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
