// Issue 15 point 5: SIGINT or SIGTERM during `cadence ingest` ends with `ABORTED: …` (no stack),
// status 130 / 143, job rows that say `aborted`, and no temporary files. A SIGKILLed ingest leaves
// scratch folders and `running` rows behind: the next run recognises that their owner is gone,
// removes the folders and marks the rows. Real CLI processes, real ffmpeg encodes.

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCatalog } from '../catalog/open-catalog.ts';
import type { JobRecord } from '../catalog/types.ts';
import { makeDelivery } from '../fixtures/deliveries.ts';
import { REPO_ROOT, runCadence } from './helpers/cadence-cli.ts';

let scratch: string;
let deliveryFile: string;

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'cadence-interrupt-'));
  // Long enough that an encode is surely under way when the signal lands.
  deliveryFile = (await makeDelivery(join(scratch, 'delivery'), { tracks: 2, seconds: 150, series: 47 })).file;
}, 120_000);
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

interface Trial {
  env: NodeJS.ProcessEnv;
  /** The child's private temp folder: Cadence's scratch folders go here and nowhere else. */
  tmp: string;
  catalog: string;
}

async function trial(name: string): Promise<Trial> {
  const tmp = join(scratch, name, 'tmp');
  await mkdir(tmp, { recursive: true });
  const catalog = join(scratch, name, 'catalog.db');
  return {
    tmp,
    catalog,
    // tsx keeps a compile cache in the temp folder unless told not to: not ours to assert on.
    env: { TMPDIR: tmp, TSX_DISABLE_CACHE: '1', CADENCE_STORE: `file://${join(scratch, name, 'objects')}`, CADENCE_CATALOG: catalog },
  };
}

interface Ended {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

/** Starts an ingest (own process group) and resolves `encoding` once an encode is writing its output. */
function startIngest(t: Trial): { child: ChildProcess; encoding: Promise<void>; ended: Promise<Ended> } {
  const child = spawn(process.execPath, ['bin/cadence.js', 'ingest', deliveryFile, '--concurrency', '1'], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...t.env },
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: true,
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk));
  const ended = new Promise<Ended>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stderr })));
  const encoding = (async () => {
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`ingest ended before encoding: ${stderr}`);
      if (await encodeInProgress(t.tmp)) return;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    throw new Error('no encode started within 60 s');
  })();
  return { child, encoding, ended };
}

/** An `*.encoded.mp4` being written in a package scratch folder. */
async function encodeInProgress(tmp: string): Promise<boolean> {
  for (const name of await readdir(tmp).catch(() => [] as string[])) {
    if (!name.startsWith('cadence-package-')) continue;
    const files = await readdir(join(tmp, name)).catch(() => [] as string[]);
    if (files.some((file) => file.endsWith('.encoded.mp4'))) return true;
  }
  return false;
}

function jobsOf(t: Trial): JobRecord[] {
  const catalog = openCatalog(t.catalog, { readonly: true });
  try {
    return catalog.jobs();
  } finally {
    catalog.close();
  }
}

describe('an interrupted ingest', () => {
  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)('%s mid-encode: ABORTED without a stack, status %i, the job aborted, no temporary files', async (signal, status) => {
    const t = await trial(signal);
    const { child, encoding, ended } = startIngest(t);
    await encoding;
    // Only the cadence process, as a supervisor (systemd, docker stop) or `kill` would.
    child.kill(signal);
    const result = await ended;

    expect(result.signal, result.stderr).toBeNull();
    expect(result.code, result.stderr).toBe(status);
    const lastLine = result.stderr.trim().split('\n').at(-1)!;
    expect(lastLine).toMatch(/^ABORTED: ingest of .* was interrupted: 0 published, .* 1 aborted, 1 not started/);
    expect(result.stderr).not.toMatch(/^\s+at |INTERNAL|"stack"/m);

    const jobs = jobsOf(t);
    expect(jobs.map((job) => job.state)).toEqual(['aborted']);
    expect(jobs[0]!.lastError).toMatch(/^ABORTED: /);
    expect(await readdir(t.tmp)).toEqual([]);
  }, 180_000);

  it('after a SIGKILL, the next run removes the dead run\'s scratch folders and marks its running job', async () => {
    const t = await trial('SIGKILL');
    const { child, encoding, ended } = startIngest(t);
    await encoding;
    // The whole group, ffmpeg included: nothing gets to clean up.
    process.kill(-child.pid!, 'SIGKILL');
    expect((await ended).signal).toBe('SIGKILL');
    const left = await readdir(t.tmp);
    expect(left.some((name) => name.startsWith('cadence-package-'))).toBe(true);
    const [stale] = jobsOf(t);
    expect(stale).toMatchObject({ state: 'running', owner: { pid: child.pid } });

    const rerun = await runCadence(['ingest', deliveryFile, '--json'], { env: t.env, timeoutMs: 170_000 });
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(JSON.parse(rerun.stdout)).toMatchObject({ ok: true, published: 2 });

    const jobs = jobsOf(t);
    expect(jobs.find((job) => job.id === stale!.id)).toMatchObject({ state: 'failed', lastError: expect.stringMatching(/^ABORTED: owner process \d+ on .* is gone/) });
    expect(jobs.filter((job) => job.state === 'running')).toEqual([]);
    expect(await readdir(t.tmp)).toEqual([]);
  }, 240_000);
});
