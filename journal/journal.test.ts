// The publish journal on the folder driver: writers racing for numbers, catalogs following it
// from nothing or from a snapshot, ownership decided against everything before each entry.

import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import Database from 'better-sqlite3';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MIGRATIONS, SCHEMA_VERSION, migrate, schemaVersion } from '../catalog/migrations.ts';
import { openCatalog } from '../catalog/open-catalog.ts';
import { journalSnapshotKey } from '../storage/layout.ts';
import { publishedRows as publishedRowsAt, rowCounts, samplePublish } from '../catalog/test-support.ts';
import type { Catalog } from '../catalog/types.ts';
import { CadenceError } from '../errors/cadence-error.ts';
import { FsObjectStore } from '../storage/fs-store.ts';
import type { ObjectStore } from '../storage/types.ts';
import { catchUp } from './catch-up.ts';
import { followJournal } from './follow.ts';
import { journalHead, readJournalEntry } from './journal-store.ts';
import { createJournalWriter } from './journal-writer.ts';
import { restoreSnapshotIfNew, writeSnapshot } from './snapshot.ts';

let dir: string;
let store: ObjectStore;
const opened: Catalog[] = [];

function catalogAt(name: string): Catalog {
  const catalog = openCatalog(join(dir, `${name}.db`));
  opened.push(catalog);
  return catalog;
}

function publishedRows(name: string): unknown {
  return publishedRowsAt(join(dir, `${name}.db`));
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cadence-journal-'));
  store = new FsObjectStore({ root: join(dir, 'objects') });
});
afterEach(() => {
  for (const catalog of opened.splice(0)) catalog.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('publish journal', () => {
  it('two writers racing on separate catalogs number entries without gaps or duplicates, and both catalogs end identical', async () => {
    const a = catalogAt('a');
    const b = catalogAt('b');
    const writerA = createJournalWriter({ store, catalog: a });
    const writerB = createJournalWriter({ store, catalog: b });
    const rounds = 25;
    const appends = [];
    for (let i = 0; i < rounds; i++) {
      const onA = samplePublish({ isrc: `GBAAA26${String(i).padStart(5, '0')}`, version: `a${i}` });
      const onB = samplePublish({ isrc: `GBBBB26${String(i).padStart(5, '0')}`, version: `b${i}` });
      appends.push(writerA.append({ kind: 'publish', input: onA }), writerB.append({ kind: 'publish', input: onB }));
    }
    const entries = await Promise.all(appends);
    expect(entries.map((entry) => entry.number).sort((x, y) => x - y)).toEqual(Array.from({ length: 2 * rounds }, (_, i) => i + 1));
    expect(await journalHead(store)).toBe(2 * rounds);

    await catchUp({ store, catalog: a });
    await catchUp({ store, catalog: b });
    expect(a.journalPosition().number).toBe(2 * rounds);
    expect(publishedRows('a')).toEqual(publishedRows('b'));
    expect(rowCounts(join(dir, 'a.db'))).toMatchObject({ tracks: 2 * rounds, versions: 2 * rounds });
  });

  it('a catalog started from nothing applies every entry, search included', async () => {
    const writer = createJournalWriter({ store, catalog: catalogAt('writer') });
    await writer.append({ kind: 'publish', input: samplePublish({ title: 'Nocturne in Blue' }) });
    await writer.append({ kind: 'publish', input: samplePublish({ isrc: 'GBAYE2600002', title: 'Aubade' }) });
    const fresh = catalogAt('fresh');
    expect(await catchUp({ store, catalog: fresh })).toBe(2);
    expect(fresh.search({ q: 'nocturne blue' }).map((result) => result.isrc)).toEqual(['GBAYE2600001']);
    expect(await catchUp({ store, catalog: fresh })).toBe(0);
    expect(publishedRows('fresh')).toEqual(publishedRows('writer'));
  });

  it('decides ownership against every entry before it: a writer behind the journal still gets CONFLICT', async () => {
    const ours = createJournalWriter({ store, catalog: catalogAt('ours') });
    const theirsCatalog = catalogAt('theirs');
    const theirs = createJournalWriter({ store, catalog: theirsCatalog });
    await ours.append({ kind: 'publish', input: samplePublish() });
    // `theirs` has not seen entry 1 yet; the writer catches up before deciding.
    const hijack = samplePublish({ upc: '012345678912', label: 'Pirate Tunes', version: 'v9' });
    await expect(theirs.append({ kind: 'publish', input: hijack }, () => theirsCatalog.ownershipConflict(hijack))).rejects.toThrow(
      expect.objectContaining({ code: 'CONFLICT' }) as CadenceError,
    );
    expect(await readJournalEntry(store, 2)).toBeNull();
  });

  it('a new node restores the newest snapshot and applies only the entries after it', async () => {
    const writerCatalog = catalogAt('writer');
    const writer = createJournalWriter({ store, catalog: writerCatalog });
    for (let i = 0; i < 5; i++) await writer.append({ kind: 'publish', input: samplePublish({ isrc: `GBAYE26${String(i).padStart(5, '0')}` }) });
    const snapshot = await writeSnapshot({ store, catalog: writerCatalog });
    expect(snapshot.position).toBe(5);
    await writer.append({ kind: 'publish', input: samplePublish({ isrc: 'GBAYE2699999', title: 'After the snapshot' }) });

    const path = join(dir, 'node.db');
    expect((await restoreSnapshotIfNew({ store, catalogPath: path }))?.position).toBe(5);
    const node = catalogAt('node');
    expect(node.journalPosition().number).toBe(5);
    expect(await catchUp({ store, catalog: node })).toBe(1);
    expect(publishedRows('node')).toEqual(publishedRows('writer'));
    // A node with a catalog of its own keeps it.
    expect(await restoreSnapshotIfNew({ store, catalogPath: path })).toBeNull();
  });

  it('a snapshot an older release wrote is migrated as it is restored; one from newer code is refused and leaves nothing', async () => {
    // A catalog one migration behind, at journal position 7, stored where snapshots go.
    const older = join(dir, 'older.db');
    const raw = new Database(older);
    migrate(raw, MIGRATIONS.slice(0, -1));
    raw.prepare('UPDATE journal_position SET number = 7 WHERE id = 1').run();
    raw.close();
    await store.putFile(journalSnapshotKey(7), older, { contentType: 'application/vnd.sqlite3' });

    const path = join(dir, 'node.db');
    expect((await restoreSnapshotIfNew({ store, catalogPath: path }))?.position).toBe(7);
    const check = new Database(path, { readonly: true });
    expect(schemaVersion(check)).toBe(SCHEMA_VERSION);
    check.close();
    expect(catalogAt('node').journalPosition().number).toBe(7);

    // Newer code's snapshot (a schema this code does not know) never takes a catalog's place.
    const newer = join(dir, 'newer.db');
    const ahead = new Database(newer);
    migrate(ahead);
    ahead.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    ahead.close();
    await store.putFile(journalSnapshotKey(8), newer, { contentType: 'application/vnd.sqlite3' });
    const fresh = join(dir, 'fresh', 'node.db');
    await expect(restoreSnapshotIfNew({ store, catalogPath: fresh })).rejects.toMatchObject({
      code: 'CATALOG',
      message: `the newest catalog snapshot ${journalSnapshotKey(8)} cannot start ${fresh}: it has schema version ${SCHEMA_VERSION + 1}, newer than this code knows (${SCHEMA_VERSION}); upgrade cadence`,
    });
    expect(existsSync(fresh)).toBe(false);
    expect(readdirSync(join(dir, 'fresh'))).toEqual([]);
  });

  it('a follower applies new entries when nudged, without waiting for its poll', async () => {
    const writer = createJournalWriter({ store, catalog: catalogAt('writer') });
    const node = catalogAt('node');
    let nudge = () => {};
    const following = followJournal({ store, catalog: node, pollMs: 60_000, logger: { debug() {}, info() {}, warn() {}, error() {} }, subscribe: (n) => ((nudge = n), () => {}) });
    try {
      await following.caughtUp();
      await writer.append({ kind: 'publish', input: samplePublish() });
      nudge();
      const started = Date.now();
      while (node.currentVersion('GBAYE2600001') === null && Date.now() - started < 2000) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(node.currentVersion('GBAYE2600001')).toBe('v1');
    } finally {
      await following.stop();
    }
  });
});
