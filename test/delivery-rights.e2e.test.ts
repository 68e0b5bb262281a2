// Rights in a JSON delivery, through the real CLI: stored with the version's facts and in the
// catalog, kept by reindex, corrected by a re-delivery without encoding again, and refused with
// every problem named when a date is not a real instant or an end is not after its start.

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCatalog } from '../catalog/open-catalog.ts';
import { makeDelivery } from '../fixtures/deliveries.ts';
import type { PlaybackGrant } from '../origin/types.ts';
import { runCadence } from './helpers/cadence-cli.ts';
import { startTestOrigin } from './helpers/origin-fixture.ts';
import { authorization } from './helpers/listener-tokens.ts';

let scratch: string;
let env: NodeJS.ProcessEnv;
let delivery: Awaited<ReturnType<typeof makeDelivery>>;

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'cadence-delivery-rights-'));
  env = { CADENCE_STORE: `file://${join(scratch, 'objects')}`, CADENCE_CATALOG: join(scratch, 'catalog.db') };
  delivery = await makeDelivery(join(scratch, 'release'), { tracks: 2, seconds: 3, series: 71 });
}, 60_000);
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

async function deliver(json: unknown): Promise<Awaited<ReturnType<typeof runCadence>>> {
  await writeFile(delivery.file, JSON.stringify(json));
  return runCadence(['ingest', delivery.file, '--json'], { env });
}

function availabilityIn(catalogPath: string, isrc: string) {
  const catalog = openCatalog(catalogPath);
  try {
    return catalog.availability(isrc);
  } finally {
    catalog.close();
  }
}

describe('rights in deliveries', () => {
  it('stores release and track rights, keeps them through reindex, and takes corrections without encoding again', async () => {
    const [first, second] = delivery.json.tracks.map((track) => track.isrc) as [string, string];
    const json = structuredClone(delivery.json) as Record<string, any>;
    json.release.rights = { excludedTerritories: ['FR', 'DE'], startsAt: '2026-11-01T08:00:00+01:00', tiers: ['premium', 'hifi'] };
    json.tracks[1].rights = { endsAt: '2027-06-30T23:59:59Z', tiers: ['hifi'] };
    const ingested = await deliver(json);
    expect(ingested.code, ingested.stderr).toBe(0);
    const releaseWide = { territories: ['WW'], excludedTerritories: ['FR', 'DE'], startsAt: '2026-11-01T07:00:00.000Z', endsAt: null, tiers: ['premium', 'hifi'] };
    expect(availabilityIn(env.CADENCE_CATALOG!, first)).toEqual({ rights: releaseWide, takedown: null });
    expect(availabilityIn(env.CADENCE_CATALOG!, second)?.rights).toEqual({ ...releaseWide, endsAt: '2027-06-30T23:59:59.000Z', tiers: ['hifi'] });

    const rebuilt = join(scratch, 'rebuilt.db');
    expect((await runCadence(['reindex'], { env: { ...env, CADENCE_CATALOG: rebuilt } })).code).toBe(0);
    expect(availabilityIn(rebuilt, first)?.rights).toEqual(releaseWide);
    expect(availabilityIn(rebuilt, second)?.rights.endsAt).toBe('2027-06-30T23:59:59.000Z');

    // The label widens the tiers: same masters, so only the facts change.
    json.release.rights.tiers = ['free', 'premium', 'hifi'];
    const corrected = await deliver(json);
    expect(corrected.code, corrected.stderr).toBe(0);
    // The second track's own tiers override the release's: nothing changed for it.
    expect(JSON.parse(corrected.stdout).tracks.map((track: { state: string }) => track.state)).toEqual(['published', 'skipped']);
    expect(availabilityIn(env.CADENCE_CATALOG!, first)?.rights.tiers).toEqual(['free', 'premium', 'hifi']);
    const again = await deliver(json);
    expect(JSON.parse(again.stdout).tracks.map((track: { state: string }) => track.state)).toEqual(['skipped', 'skipped']);
    const rebuiltAgain = join(scratch, 'rebuilt-again.db');
    expect((await runCadence(['reindex'], { env: { ...env, CADENCE_CATALOG: rebuiltAgain } })).code).toBe(0);
    expect(availabilityIn(rebuiltAgain, first)?.rights.tiers).toEqual(['free', 'premium', 'hifi']);
  }, 120_000);

  it('refuses impossible dates and an end before the start, naming each, before any work', async () => {
    const json = structuredClone(delivery.json) as Record<string, any>;
    json.release.rights = { startsAt: '2026-02-30' };
    json.tracks[0].rights = { startsAt: '2027-01-01', endsAt: '2026-12-31T23:59:59Z', excludedTerritories: ['WW'] };
    json.tracks[1].rights = { tiers: ['Gold Tier'] };
    const refused = await deliver(json);
    expect(refused.code).toBe(1);
    const report = JSON.parse(refused.stdout);
    expect(report).toMatchObject({ ok: false, code: 'BAD_DELIVERY' });
    // Every problem at once: the schema's and the dates'.
    expect(report.problems.map((problem: { where: string }) => problem.where)).toEqual([
      'tracks[1] (GBCAD7100002).rights.tiers[0]',
      'release.rights.startsAt',
      'tracks[0] (GBCAD7100001).rights.excludedTerritories[0]',
      'tracks[0] (GBCAD7100001).rights.endsAt',
    ]);
    delete json.tracks[1].rights;
    const semantic = JSON.parse((await deliver(json)).stdout);
    expect(semantic.problems).toEqual([
      { where: 'release.rights.startsAt', message: '"2026-02-30" is not a real date (YYYY-MM-DD) or date-time with a zone (2026-11-01T00:00:00Z)' },
      { where: 'tracks[0] (GBCAD7100001).rights.excludedTerritories[0]', message: 'WW cannot be excluded' },
      { where: 'tracks[0] (GBCAD7100001).rights.endsAt', message: '2026-12-31T23:59:59.000Z is not after the start 2027-01-01T00:00:00.000Z' },
    ]);
  }, 60_000);

  it('keeps shared caches from holding a track past its end date (s-maxage capped by it)', async () => {
    const [first, second] = delivery.json.tracks.map((track) => track.isrc) as [string, string];
    const json = structuredClone(delivery.json) as Record<string, any>;
    const endsAt = new Date(Date.now() + 30 * 60_000);
    json.tracks[1].rights = { endsAt: endsAt.toISOString() };
    const ingested = await deliver(json);
    expect(ingested.code, ingested.stderr).toBe(0);
    const origin = await startTestOrigin({ env });
    try {
      const sMaxAge = async (isrc: string): Promise<number> => {
        const grant = (await (await fetch(`${origin.url}/v1/tracks/${isrc}/playback`, { headers: await authorization() })).json()) as PlaybackGrant;
        const response = await fetch(`${origin.url}${grant.hls.slice(0, -'master.m3u8'.length)}aac-96.mp4`, { headers: { Range: 'bytes=0-1023' } });
        expect(response.status).toBe(206);
        await response.arrayBuffer();
        return Number(/s-maxage=(\d+)/.exec(response.headers.get('cache-control') ?? '')?.[1]);
      };
      // Open-ended: until the token expires (past the end of the current hour-long window).
      expect(await sMaxAge(first)).toBeGreaterThan(3600);
      const capped = await sMaxAge(second);
      const toEnd = (endsAt.getTime() - Date.now()) / 1000;
      expect(capped).toBeLessThanOrEqual(Math.ceil(toEnd));
      expect(capped).toBeGreaterThan(toEnd - 60);
    } finally {
      await origin.close();
    }
  }, 120_000);
});
