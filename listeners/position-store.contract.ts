// One behaviour suite for every PositionStore driver (SQLite, Redis). A driver's test file calls
// describePositionStoreContract with a setup returning a fresh, empty store; `reopen` (when the
// driver has one) opens the same data again, as a restarted origin or another node would.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PositionStore, ResumePosition } from './types.ts';

export interface PositionStoreSubject {
  store: PositionStore;
  /** Another handle on the same data (a restarted process, or another origin node). */
  reopen(): Promise<PositionStore>;
  teardown(): Promise<void>;
}

const at = (seconds: number): string => new Date(Date.UTC(2026, 11, 3, 9, 0, seconds)).toISOString();
const position = (isrc: string, positionMs: number, seconds: number): ResumePosition => ({ isrc, positionMs, updatedAt: at(seconds) });

export function describePositionStoreContract(name: string, setup: () => Promise<PositionStoreSubject>): void {
  describe(`PositionStore contract: ${name}`, () => {
    let subject: PositionStoreSubject;
    let store: PositionStore;
    const opened: PositionStore[] = [];

    beforeEach(async () => {
      subject = await setup();
      store = subject.store;
    });
    afterEach(async () => {
      for (const other of opened.splice(0)) await other.close();
      await store.close();
      await subject.teardown();
    });

    it('round-trips a position, and a put replaces the previous one', async () => {
      expect(await store.get('alice', 'GBAYE2600001')).toBeNull();
      await store.put('alice', position('GBAYE2600001', 61_500, 1));
      expect(await store.get('alice', 'GBAYE2600001')).toEqual(position('GBAYE2600001', 61_500, 1));
      await store.put('alice', position('GBAYE2600001', 0, 2));
      expect(await store.get('alice', 'GBAYE2600001')).toEqual(position('GBAYE2600001', 0, 2));
      expect(await store.list('alice', 10)).toEqual([position('GBAYE2600001', 0, 2)]);
    });

    it('keeps listeners apart, including ids that look like key syntax', async () => {
      const ids = ['alice', 'bob', 'alice:x', 'alice positions', '*', 'a\u0000b', 'ålice'];
      for (const [i, id] of ids.entries()) await store.put(id, position('GBAYE2600001', 1000 * (i + 1), i));
      for (const [i, id] of ids.entries()) {
        expect(await store.get(id, 'GBAYE2600001'), id).toEqual(position('GBAYE2600001', 1000 * (i + 1), i));
        expect(await store.list(id, 10), id).toEqual([position('GBAYE2600001', 1000 * (i + 1), i)]);
      }
      expect(await store.get('carol', 'GBAYE2600001')).toBeNull();
      expect(await store.list('carol', 10)).toEqual([]);
    });

    it('lists newest first, at most limit, equal times by ISRC descending', async () => {
      await store.put('alice', position('GBAYE2600001', 1, 10));
      await store.put('alice', position('GBAYE2600002', 2, 30));
      await store.put('alice', position('GBAYE2600003', 3, 20));
      await store.put('alice', position('GBAYE2600004', 4, 30));
      await store.put('bob', position('GBAYE2600005', 5, 40));
      expect((await store.list('alice', 10)).map((p) => p.isrc)).toEqual(['GBAYE2600004', 'GBAYE2600002', 'GBAYE2600003', 'GBAYE2600001']);
      expect((await store.list('alice', 2)).map((p) => p.isrc)).toEqual(['GBAYE2600004', 'GBAYE2600002']);
      // Updating an old entry moves it to the front.
      await store.put('alice', position('GBAYE2600001', 9, 50));
      expect((await store.list('alice', 1))).toEqual([position('GBAYE2600001', 9, 50)]);
    });

    it('what one handle wrote, another reads (restart, or another node)', async () => {
      await store.put('alice', position('GBAYE2600001', 42_000, 5));
      const other = await subject.reopen();
      opened.push(other);
      expect(await other.get('alice', 'GBAYE2600001')).toEqual(position('GBAYE2600001', 42_000, 5));
      await other.put('alice', position('GBAYE2600002', 7, 6));
      expect((await store.list('alice', 5)).map((p) => p.isrc)).toEqual(['GBAYE2600002', 'GBAYE2600001']);
    });
  });
}
