// A follower's status (for /metrics): entries applied, the newest number announced over the nudge
// channel, and when it last read and last applied.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openCatalog } from '../catalog/open-catalog.ts';
import { samplePublish } from '../catalog/test-support.ts';
import type { Catalog } from '../catalog/types.ts';
import { FsObjectStore } from '../storage/fs-store.ts';
import { followJournal } from './follow.ts';
import { createJournalWriter } from './journal-writer.ts';

let dir: string;
const opened: Catalog[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cadence-follow-status-'));
});
afterEach(() => {
  for (const catalog of opened.splice(0)) catalog.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('journal follower status', () => {
  it('counts applied entries, keeps the newest announced number and the times of its last read and apply', async () => {
    const store = new FsObjectStore({ root: join(dir, 'objects') });
    const writerCatalog = openCatalog(join(dir, 'writer.db'));
    const node = openCatalog(join(dir, 'node.db'));
    opened.push(writerCatalog, node);
    const writer = createJournalWriter({ store, catalog: writerCatalog });
    await writer.append({ kind: 'publish', input: samplePublish() });
    let clock = 5000;
    let nudge: (number?: number) => void = () => {};
    const following = followJournal({ store, catalog: node, pollMs: 60_000, logger: { debug() {}, info() {}, warn() {}, error() {} }, subscribe: (n) => ((nudge = n), () => {}), now: () => clock });
    try {
      await following.caughtUp();
      expect(following.status()).toEqual({ applied: 1, position: 1, newestSeen: 1, lastAppliedAt: 5000, lastPollAt: 5000 });
      // Announced before this node could read it: seen, not yet applied.
      nudge(9);
      clock = 6000;
      await following.caughtUp();
      expect(following.status()).toEqual({ applied: 1, position: 1, newestSeen: 9, lastAppliedAt: 5000, lastPollAt: 6000 });
      await writer.append({ kind: 'publish', input: samplePublish({ isrc: 'GBAYE2600002' }) });
      clock = 7000;
      await following.caughtUp();
      expect(following.status()).toMatchObject({ applied: 2, position: 2, lastAppliedAt: 7000 });
    } finally {
      await following.stop();
    }
  });
});
