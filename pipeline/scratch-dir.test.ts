import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { currentOwner, ownerIsGone } from './process-owner.ts';
import { makeScratchDir, sweepAbandonedScratch } from './scratch-dir.ts';

/** The pid of a process that has certainly ended. */
function deadPid(): number {
  return Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout);
}

describe('ownerIsGone', () => {
  it('tells this process (alive) from an ended one, a reused pid, another host and an unrecorded owner', () => {
    const me = currentOwner();
    expect(ownerIsGone(me)).toBe(false);
    expect(ownerIsGone({ ...me, pid: deadPid() })).toBe(true);
    // pid 1 is alive, but did not start when this process did: the pid was "reused".
    expect(ownerIsGone({ ...me, pid: 1 })).toBe(process.platform === 'linux');
    expect(ownerIsGone({ ...me, pid: deadPid(), host: `not-${hostname()}` })).toBe(false);
    expect(ownerIsGone(null)).toBe(true);
  });
});

describe('scratch folders', () => {
  let parent: string;
  beforeEach(async () => {
    parent = await mkdtemp(join(tmpdir(), 'scratch-sweep-'));
  });
  afterEach(async () => {
    await rm(parent, { recursive: true, force: true });
  });

  it('removes the folders of processes that are gone and keeps live ones and strangers', async () => {
    const live = await makeScratchDir('package', parent);
    const dead = await makeScratchDir('ffmpeg', parent);
    await writeFile(join(dead, 'flac.encoded.mp4'), Buffer.alloc(1024));
    await writeFile(join(dead, '.cadence-owner.json'), JSON.stringify({ ...currentOwner(), pid: deadPid() }));
    const unlabelledOld = join(parent, 'cadence-ingest-old000');
    const unlabelledNew = join(parent, 'cadence-ingest-new000');
    const stranger = join(parent, 'cadence-catalog-xyz');
    for (const dir of [unlabelledOld, unlabelledNew, stranger]) await mkdir(dir);
    const twoDaysAgo = new Date(Date.now() - 48 * 3600 * 1000);
    await utimes(unlabelledOld, twoDaysAgo, twoDaysAgo);
    await utimes(stranger, twoDaysAgo, twoDaysAgo);

    const removed = await sweepAbandonedScratch({ parent });
    expect(removed.sort()).toEqual([dead, unlabelledOld].sort());
    expect((await readdir(parent)).sort()).toEqual(['cadence-catalog-xyz', 'cadence-ingest-new000', live.split('/').at(-1)!].sort());
  });
});
