// What the CDN purge hook is told after a takedown: the ISRCs as its last arguments (as before),
// and in CADENCE_PURGE_PATHS the covers of releases left with no available track; run for real.

import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openCatalog } from '../catalog/open-catalog.ts';
import { samplePublish } from '../catalog/test-support.ts';
import type { Catalog, PublishInput } from '../catalog/types.ts';
import { coverPathsToPurge, runPurgeHook } from './cdn-purge.ts';

const ALBUM = '012345678905';
const COMPILATION = '012345678912';
const NO_COVER = '4006381333931';
const [FIRST, SECOND, THIRD] = ['GBAYE2600001', 'GBAYE2600002', 'GBAYE2600003'] as const;
const SHA = 'a'.repeat(64);
const down = { source: 'operator', reason: 'label request', at: '2026-12-03T10:00:00.000Z' } as const;

const withCover = (input: PublishInput): PublishInput => ({ ...input, release: { ...input.release, cover: { sha256: SHA, extension: 'jpg' } } });

let dir: string;
let catalog: Catalog;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cadence-cdn-purge-'));
  catalog = openCatalog(join(dir, 'catalog.db'));
  catalog.publish(withCover(samplePublish({ isrc: FIRST, upc: ALBUM })));
  catalog.publish(withCover(samplePublish({ isrc: SECOND, upc: ALBUM, version: 'v2' })));
  // The first track is also on a compilation with a cover of its own; the third on a release without one.
  catalog.publish(withCover(samplePublish({ isrc: FIRST, upc: COMPILATION })));
  catalog.publish(samplePublish({ isrc: THIRD, upc: NO_COVER, version: 'v3' }));
});
afterEach(() => {
  catalog.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('coverPathsToPurge', () => {
  it('names the cover of each release listing a changed track once none of its tracks is available', () => {
    catalog.setTakedown({ isrcs: [FIRST] }, down);
    // The album still has its second track; the compilation had only the first.
    expect(coverPathsToPurge(catalog, { isrcs: [FIRST] })).toEqual([`/v1/releases/${COMPILATION}/cover`]);
    catalog.setTakedown({ isrcs: [SECOND] }, down);
    expect(coverPathsToPurge(catalog, { isrcs: [SECOND] })).toEqual([`/v1/releases/${ALBUM}/cover`]);
    // A release takedown that changed nothing (all down already) still names its cover.
    expect(coverPathsToPurge(catalog, { isrcs: [], upc: ALBUM })).toEqual([`/v1/releases/${ALBUM}/cover`]);
    expect(coverPathsToPurge(catalog, { isrcs: [FIRST, SECOND], upc: ALBUM })).toEqual([`/v1/releases/${ALBUM}/cover`, `/v1/releases/${COMPILATION}/cover`]);
  });

  it('a release named by another of its ids (an alias) is purged under its own id, where the edge caches it', () => {
    const gridAlbum = 'grid:A12425GABC1234002M';
    catalog.publish(withCover({ ...samplePublish({ isrc: 'GBAYE2600004', upc: gridAlbum, version: 'v4' }), release: { ...samplePublish({ upc: gridAlbum }).release, aliases: ['036000291452'] } }));
    catalog.setTakedown({ upc: '036000291452' }, down);
    expect(coverPathsToPurge(catalog, { isrcs: [], upc: '036000291452' })).toEqual([`/v1/releases/${gridAlbum}/cover`]);
  });

  it('names nothing while a track is available, nor for a release without a cover', () => {
    expect(coverPathsToPurge(catalog, { isrcs: [FIRST, SECOND], upc: ALBUM })).toEqual([]);
    catalog.setTakedown({ isrcs: [THIRD] }, down);
    expect(coverPathsToPurge(catalog, { isrcs: [THIRD], upc: NO_COVER })).toEqual([]);
  });
});

describe('runPurgeHook', () => {
  /** A hook that records its arguments and CADENCE_PURGE_PATHS, one per line. */
  function recordingHook(): { command: string[]; recorded: () => string[] } {
    const out = join(dir, 'hook.out');
    const script = join(dir, 'hook.sh');
    writeFileSync(script, `#!/bin/sh\nprintf '%s\\n' "$@" "paths=$CADENCE_PURGE_PATHS" > "${out}"\n`);
    chmodSync(script, 0o755);
    return { command: [script, '/var/cache/edge'], recorded: () => readFileSync(out, 'utf8').trimEnd().split('\n') };
  }

  it('keeps the ISRCs as the last arguments and gives the paths in CADENCE_PURGE_PATHS', async () => {
    const hook = recordingHook();
    await runPurgeHook(hook.command, { isrcs: [FIRST, SECOND], paths: [`/v1/releases/${ALBUM}/cover`, `/v1/releases/${COMPILATION}/cover`] });
    expect(hook.recorded()).toEqual(['/var/cache/edge', FIRST, SECOND, `paths=/v1/releases/${ALBUM}/cover /v1/releases/${COMPILATION}/cover`]);
  });

  it('sets CADENCE_PURGE_PATHS empty when there is no path, whatever the environment held', async () => {
    const hook = recordingHook();
    await runPurgeHook(hook.command, { isrcs: [FIRST], paths: [], env: { ...process.env, CADENCE_PURGE_PATHS: '/stale' } });
    expect(hook.recorded()).toEqual(['/var/cache/edge', FIRST, 'paths=']);
  });

  it('a failing hook is a CDN error naming its first line of stderr', async () => {
    const script = join(dir, 'failing.sh');
    writeFileSync(script, '#!/bin/sh\necho "edge unreachable" >&2\necho "second line" >&2\nexit 3\n');
    chmodSync(script, 0o755);
    await expect(runPurgeHook([script], { isrcs: [FIRST], paths: [] })).rejects.toMatchObject({
      code: 'CDN',
      message: 'availability changed, but the CDN purge command failed: edge unreachable',
    });
  });
});
