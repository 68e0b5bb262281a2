// Crashes are part of the design: an ingest SIGKILLed (with its ffmpeg children) at random
// moments never leaves a track pointing at a version with a missing object, and a re-run
// completes every track.

import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCatalog } from '../catalog/open-catalog.ts';
import { makeDelivery } from '../fixtures/deliveries.ts';
import { seededRandom } from '../fixtures/seeded-random.ts';
import { openObjectStore } from '../storage/open-store.ts';
import { REPO_ROOT, runCadence } from './helpers/cadence-cli.ts';
import { publishedProblems } from './helpers/published-check.ts';

const TRIALS = 10;
let scratch: string;
let deliveryFile: string;

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'cadence-crash-'));
  deliveryFile = (await makeDelivery(join(scratch, 'delivery'), { tracks: 3, seconds: 3, series: 31 })).file;
}, 60_000);
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

function envFor(trial: number): NodeJS.ProcessEnv {
  return { CADENCE_STORE: `file://${join(scratch, `t${trial}`, 'objects')}`, CADENCE_CATALOG: join(scratch, `t${trial}`, 'catalog.db') };
}

/** Starts an ingest in its own process group and kills the whole group after `delayMs`. */
function ingestKilledAfter(delayMs: number, env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['bin/cadence.js', 'ingest', deliveryFile], {
      cwd: REPO_ROOT,
      env: { ...process.env, ...env },
      stdio: 'ignore',
      detached: true,
    });
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // Already finished: a kill after the end is a valid trial too.
      }
    }, delayMs);
    child.on('exit', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** Deterministic pseudo-random kill times, so a failure can be replayed. */
function killTimes(count: number, maxMs: number, seed = 20261121): number[] {
  const next = seededRandom(seed);
  return Array.from({ length: count }, () => Math.round(200 + next() * (maxMs - 200)));
}

describe('SIGKILL during ingest', () => {
  it(`never publishes a version with a missing object; a re-run completes (${TRIALS} trials)`, async () => {
    // How long a whole ingest takes here, so kills land across all of it.
    const started = Date.now();
    const full = await runCadence(['ingest', deliveryFile], { env: envFor(0) });
    expect(full.code, full.stderr).toBe(0);
    const fullMs = Date.now() - started;

    const outcomes: string[] = [];
    for (const [index, delay] of killTimes(TRIALS, fullMs).entries()) {
      const trial = index + 1;
      const env = envFor(trial);
      await ingestKilledAfter(delay, env);

      const catalog = openCatalog(env.CADENCE_CATALOG!);
      const store = openObjectStore(env.CADENCE_STORE!, {});
      try {
        const published = catalog.listCurrent().length;
        expect(await publishedProblems(catalog, store), `trial ${trial}, killed at ${delay} ms`).toEqual([]);
        outcomes.push(`${delay}ms:${published}`);
      } finally {
        catalog.close();
      }

      const rerun = await runCadence(['ingest', deliveryFile, '--json'], { env });
      expect(rerun.code, `trial ${trial} re-run: ${rerun.stderr}`).toBe(0);
      const report = JSON.parse(rerun.stdout);
      expect(report.published + report.skipped).toBe(3);
    }
    // The trials must really have interrupted work, not only hit before start or after the end.
    expect(outcomes.some((outcome) => !outcome.endsWith(':3')), outcomes.join(' ')).toBe(true);
  }, 600_000);
});
