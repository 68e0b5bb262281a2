import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openObjectStore } from '../storage/open-store.ts';
import type { ObjectStore } from '../storage/types.ts';
import { isStale, type MessageRecord, newestAppliedMessage, recordMessage } from './ddex-message-log.ts';

let dir: string;
let store: ObjectStore;

const record = (messageId: string, createdAt: string, outcome: MessageRecord['outcome'] = 'applied'): MessageRecord => ({
  upc: '012345678905',
  messageId,
  kind: 'update',
  createdAt,
  outcome,
  recordedAt: '2026-12-03T10:00:00.000Z',
});

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cadence-ddex-log-'));
  store = openObjectStore(`file://${dir}`);
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the per-release message record', () => {
  it('knows the newest applied message whatever order they were recorded in; stale ones do not count', async () => {
    expect(await newestAppliedMessage(store, '012345678905')).toBeNull();
    await recordMessage(store, record('M2', '2026-12-02T12:00:00.000Z'));
    await recordMessage(store, record('M1', '2026-12-01T12:00:00.000Z'));
    await recordMessage(store, record('M3', '2026-12-03T12:00:00.000Z', 'stale'));
    await recordMessage(store, { ...record('X', '2026-12-09T12:00:00.000Z'), upc: '036000291452' });
    const newest = await newestAppliedMessage(store, '012345678905');
    expect(newest?.messageId).toBe('M2');
    expect(isStale({ createdAt: '2026-12-02T11:59:59.000Z' }, newest)).toBe(true);
    expect(isStale({ createdAt: '2026-12-02T12:00:00.000Z' }, newest)).toBe(false); // the same message again
    expect(isStale({ createdAt: '2026-12-02T12:00:01.000Z' }, newest)).toBe(false);
    expect(isStale({ createdAt: '2020-01-01T00:00:00.000Z' }, null)).toBe(false);
  });

  it('stores each record create-only under ddex-messages/{upc}/, so a rerun of the same record is accepted', async () => {
    const key = await recordMessage(store, record('M1', '2026-12-01T12:00:00.000Z'));
    expect(key).toMatch(/^ddex-messages\/012345678905\/20261201T120000000Z-[0-9a-f]{12}\.json$/);
    expect(await recordMessage(store, record('M1', '2026-12-01T12:00:00.000Z'))).toBe(key);
  });
});
