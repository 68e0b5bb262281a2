// A writer whose catalog file does not exist yet (a new machine, or a catalog deleted) starts from
// the newest snapshot in storage instead of replaying the publish journal from entry 1. The
// snapshot is recognisable by what only a catalog holds and the journal does not carry: the ingest
// job rows of the catalog it was taken from.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeDelivery } from '../fixtures/deliveries.ts';
import { runCadence } from './helpers/cadence-cli.ts';

let scratch: string;
const envOf = (catalog: string): NodeJS.ProcessEnv => ({ CADENCE_STORE: `file://${join(scratch, 'objects')}`, CADENCE_CATALOG: join(scratch, catalog) });

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'cadence-ingest-snapshot-'));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

describe('a new catalog', () => {
  it('starts from the newest snapshot when it ingests, and a dry run creates nothing', async () => {
    const { file, json } = await makeDelivery(join(scratch, 'delivery'), { tracks: 1, seconds: 1, series: 71 });
    const isrc = json.tracks[0]!.isrc;
    const first = await runCadence(['ingest', file, '--json'], { env: envOf('first.db') });
    expect(first.code, first.stderr).toBe(0);
    expect((await runCadence(['snapshot'], { env: envOf('first.db') })).code).toBe(0);

    const dry = await runCadence(['ingest', file, '--dry-run', '--json'], { env: envOf('second.db') });
    expect(dry.code, dry.stderr).toBe(0);
    const missing = await runCadence(['tracks', '--json'], { env: envOf('second.db') });
    expect(missing.code).not.toBe(0); // no catalog file was made by the dry run

    const second = await runCadence(['ingest', file, '--json'], { env: envOf('second.db') });
    expect(second.code, second.stderr).toBe(0);
    expect(JSON.parse(second.stdout).tracks.map((t: { state: string }) => t.state)).toEqual(['skipped']);
    // The first catalog's job (from the snapshot) and this run's.
    const details = JSON.parse((await runCadence(['track', isrc, '--json'], { env: envOf('second.db') })).stdout);
    expect(details.jobs.map((job: { state: string }) => job.state).sort()).toEqual(['published', 'skipped']);
  }, 120_000);
});
