// Masters that must be refused before any encoding: a clear message naming the file and the
// problem, a non-zero exit, and no output folder (nor staging leftovers) behind.

import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BAD_MASTER_EXPECTATIONS, BAD_MASTER_KINDS, type BadMasterKind, LONG_MASTER_SECONDS, makeBadMasters } from '../fixtures/bad-masters.ts';
import { makeMaster } from '../fixtures/masters.ts';
import { runCadence } from './helpers/cadence-cli.ts';

let scratch: string;
let masters: Record<BadMasterKind, string>;

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'cadence-bad-masters-'));
  masters = await makeBadMasters(join(scratch, 'masters'));
}, 120_000);
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

describe('cadence package refuses bad masters', () => {
  it.each(BAD_MASTER_KINDS)('%s', async (kind) => {
    const out = join(scratch, `out-${kind}`);
    const result = await runCadence(['package', masters[kind], '--out', out, '--max-duration', String(LONG_MASTER_SECONDS - 60)]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(`BAD_MASTER: ${masters[kind]}: `);
    expect(result.stderr).toMatch(BAD_MASTER_EXPECTATIONS[kind]);
    // No output folder, no half-written staging folder next to it.
    expect((await readdir(scratch)).filter((name) => name.includes(`out-${kind}`))).toEqual([]);
  });

  it('refuses a missing master and names it', async () => {
    const result = await runCadence(['package', join(scratch, 'nope.wav'), '--out', join(scratch, 'out-missing')]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/BAD_MASTER: .*nope\.wav: the file does not exist/);
  });

  it('accepts the long master when the cap allows it (the cap, not the file, refused it)', async () => {
    const out = join(scratch, 'out-long-allowed');
    const result = await runCadence(['package', masters.long, '--out', out, '--max-duration', String(LONG_MASTER_SECONDS + 1)]);
    expect(result.stderr).toBe('probe\nencode\npackage\ndone\n');
    expect(result.code).toBe(0);
  }, 120_000);

  it('will not overwrite a non-empty output folder without --force', async () => {
    const master = join(scratch, 'short.wav');
    await makeMaster({ path: master, seconds: 3 });
    const out = join(scratch, 'out-twice');
    expect((await runCadence(['package', master, '--out', out])).code).toBe(0);
    const again = await runCadence(['package', master, '--out', out]);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toMatch(/OUTPUT_EXISTS: .*out-twice already exists/);
    const forced = await runCadence(['package', master, '--out', out, '--force']);
    expect(forced.code).toBe(0);
    expect((await readdir(scratch)).filter((name) => name.includes('partial'))).toEqual([]);
  }, 120_000);
});
