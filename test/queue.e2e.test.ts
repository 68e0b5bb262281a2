// Issue 12, the queue: `cadence ingest` with CADENCE_QUEUE puts masters in object storage and one
// BullMQ job per track on a real redis-server (loopback, appendonly, noeviction); `cadence worker`
// processes (real children) take them. Each test has its own Redis, store and catalog file (the
// workers share the catalog file, as workers on one machine do).

import { mkdtemp, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCatalog } from '../catalog/open-catalog.ts';
import { makeDelivery } from '../fixtures/deliveries.ts';
import { resolveToolPaths } from '../pipeline/tool-paths.ts';
import type { JobView } from '../queue/types.ts';
import { openObjectStore } from '../storage/open-store.ts';
import { runCadence } from './helpers/cadence-cli.ts';
import { publishedProblems, storedVersions } from './helpers/published-check.ts';
import { type TestRedis, startRedis } from './helpers/redis-server.ts';
import { childrenRunning, freePort, isRunning, sleep, startWorker, waitFor, type WorkerProcess } from './helpers/queue-worker.ts';

let scratch: string;
let ffmpegBinary: string;
const redises: TestRedis[] = [];
const workers: WorkerProcess[] = [];

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'cadence-queue-'));
  ffmpegBinary = await realpath(resolveToolPaths(process.env).ffmpegPath);
});
afterAll(async () => {
  for (const worker of workers) if (worker.child.exitCode === null && worker.child.signalCode === null) worker.child.kill('SIGKILL');
  await Promise.all(redises.map((redis) => redis.close()));
  await rm(scratch, { recursive: true, force: true });
});

interface Setup {
  redis: TestRedis;
  env: NodeJS.ProcessEnv;
  file: string;
  isrcs: string[];
}

async function setup(name: string, options: { tracks: number; series: number; seconds?: number }): Promise<Setup> {
  const redis = await startRedis();
  redises.push(redis);
  const dir = join(scratch, name);
  const { file, json } = await makeDelivery(join(dir, 'delivery'), { tracks: options.tracks, series: options.series, seconds: options.seconds ?? 4 });
  const env = { CADENCE_QUEUE: redis.url, CADENCE_STORE: `file://${join(dir, 'objects')}`, CADENCE_CATALOG: join(dir, 'catalog.db'), LOG_LEVEL: 'warn' };
  return { redis, env, file, isrcs: json.tracks.map((track) => track.isrc) };
}

async function worker(env: NodeJS.ProcessEnv, args: string[] = []): Promise<WorkerProcess> {
  const started = await startWorker(env, args);
  workers.push(started);
  return started;
}

async function jobs(env: NodeJS.ProcessEnv): Promise<JobView[]> {
  const result = await runCadence(['jobs', '--json'], { env });
  expect(result.code, result.stderr).toBe(0);
  return (JSON.parse(result.stdout) as { jobs: JobView[] }).jobs;
}

/** Every track published exactly once: one current version each, whole in storage, no duplicate rows. */
async function expectPublishedOnce(env: NodeJS.ProcessEnv, isrcs: string[]): Promise<void> {
  const catalog = openCatalog(env.CADENCE_CATALOG!);
  const store = openObjectStore(env.CADENCE_STORE!, {});
  try {
    expect(catalog.listCurrent().map((row) => row.isrc).sort()).toEqual([...isrcs].sort());
    expect(await publishedProblems(catalog, store)).toEqual([]);
    const versions = await storedVersions(store);
    for (const isrc of isrcs) expect([...versions.keys()].filter((id) => id.startsWith(`${isrc}/`)), isrc).toHaveLength(1);
  } finally {
    catalog.close();
    await store.close?.();
  }
  const db = new Database(env.CADENCE_CATALOG!, { readonly: true });
  try {
    for (const table of ['tracks', 'versions', 'release_tracks']) {
      const rows = db.prepare(`SELECT isrc, COUNT(*) AS n FROM ${table} GROUP BY isrc`).all() as Array<{ isrc: string; n: number }>;
      expect(rows.map((row) => row.isrc).sort(), table).toEqual([...isrcs].sort());
      expect(rows.every((row) => row.n === 1), `${table}: ${JSON.stringify(rows)}`).toBe(true);
    }
  } finally {
    db.close();
  }
}

async function stop(process: WorkerProcess): Promise<number | null> {
  process.child.kill('SIGTERM');
  return process.exited;
}

describe('ingest through the queue', () => {
  it('two workers publish a 6-track delivery once per track; the command reports every track and exits 0; metrics count the jobs', async () => {
    const { env, file, isrcs } = await setup('two-workers', { tracks: 6, series: 61 });
    const metricsPort = await freePort();
    const first = await worker(env, ['--metrics-port', String(metricsPort)]);
    const second = await worker(env);
    const ingest = await runCadence(['ingest', file, '--json'], { env });
    expect(ingest.code, ingest.stderr).toBe(0);
    const report = JSON.parse(ingest.stdout) as { ok: boolean; published: number; failed: number; tracks: Array<{ isrc: string; state: string; version: string }> };
    expect(report).toMatchObject({ ok: true, published: 6, failed: 0 });
    expect(report.tracks.map((track) => track.isrc)).toEqual(isrcs);
    expect(report.tracks.every((track) => track.state === 'published' && /^[0-9a-f]{20}$/.test(track.version))).toBe(true);
    await expectPublishedOnce(env, isrcs);

    const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    expect(metrics).toContain('cadence_queue_jobs{state="completed"} 6');
    expect(metrics).toContain('cadence_queue_jobs{state="waiting"} 0');
    expect(metrics).toMatch(/cadence_queue_job_duration_seconds_count\{outcome="published"\} [1-6]\n/);

    // Run again: every job is run again and finds its track already published.
    const again = await runCadence(['ingest', file], { env });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('0 published, 6 already published, 0 failed');
    await expectPublishedOnce(env, isrcs);
    expect(await jobs(env)).toHaveLength(6);

    expect(await stop(first)).toBe(0);
    expect(await stop(second)).toBe(0);
  }, 180_000);

  it('--detach twice is one job per track; cadence jobs shows states and the code of a job whose master vanished', async () => {
    const { env, file, isrcs } = await setup('detach', { tracks: 3, series: 62 });
    const enqueue = async (): Promise<Array<{ isrc: string; jobId: string; masterKey: string; result: string; uploaded: boolean }>> => {
      const result = await runCadence(['ingest', file, '--detach', '--json'], { env });
      expect(result.code, result.stderr).toBe(0);
      return (JSON.parse(result.stdout) as { jobs: Array<{ isrc: string; jobId: string; masterKey: string; result: string; uploaded: boolean }> }).jobs;
    };
    const once = await enqueue();
    const twice = await enqueue();
    expect(once.map((job) => job.result)).toEqual(['added', 'added', 'added']);
    expect(once.every((job) => job.uploaded && /^masters\/[0-9a-f]{64}\.wav$/.test(job.masterKey))).toBe(true);
    expect(twice.map((job) => job.result)).toEqual(['already-queued', 'already-queued', 'already-queued']);
    expect(twice.some((job) => job.uploaded)).toBe(false);
    expect(twice.map((job) => job.jobId)).toEqual(once.map((job) => job.jobId));
    const queued = await jobs(env);
    expect(queued.map((job) => job.id).sort()).toEqual(once.map((job) => job.jobId).sort());
    expect(queued.every((job) => job.state === 'waiting')).toBe(true);

    // The second master disappears from storage after enqueueing.
    const store = openObjectStore(env.CADENCE_STORE!, {});
    await store.delete(once[1]!.masterKey);
    const metricsPort = await freePort();
    const running = await worker(env, ['--metrics-port', String(metricsPort)]);
    const settled = await waitFor('the jobs to settle', async () => {
      const now = await jobs(env);
      return now.every((job) => job.state === 'completed' || job.state === 'failed') && now;
    });
    const byIsrc = new Map(settled.map((job) => [job.isrc, job]));
    expect(byIsrc.get(isrcs[0]!)?.state).toBe('completed');
    expect(byIsrc.get(isrcs[2]!)?.state).toBe('completed');
    const failed = byIsrc.get(isrcs[1]!)!;
    expect(failed.state).toBe('failed');
    expect(failed.lastError).toMatch(new RegExp(`^NOT_FOUND: the master of ${isrcs[1]} \\(masters/[0-9a-f]{64}\\.wav\\) is not in file://`));
    expect(failed.attempts).toBe(1); // NOT_FOUND is final: no retries
    const human = await runCadence(['jobs'], { env });
    expect(human.stdout).toContain(`failed    ${isrcs[1]}`);
    expect(human.stdout).toContain('2 completed, 1 failed');
    const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    expect(metrics).toContain('cadence_queue_job_failures_total{code="NOT_FOUND"} 1');
    expect(metrics).toContain('cadence_queue_jobs{state="failed"} 1');

    // Put the master back: enqueueing again retries the failed job (same id) and it publishes.
    const retry = await runCadence(['ingest', file, '--json'], { env });
    expect(retry.code, retry.stderr).toBe(0);
    expect(JSON.parse(retry.stdout)).toMatchObject({ ok: true, published: 1, skipped: 2, failed: 0 });
    expect(await jobs(env)).toHaveLength(3);
    await expectPublishedOnce(env, isrcs);
    await store.close?.();
    expect(await stop(running)).toBe(0);
  }, 180_000);

  it('a worker SIGKILLed while encoding: its ffmpeg dies with it, the other worker finishes every track', async () => {
    const { env, file, isrcs } = await setup('sigkill', { tracks: 4, series: 63, seconds: 6 });
    const doomed = await worker(env);
    const survivor = await worker(env);
    const ingest = runCadence(['ingest', file], { env, timeoutMs: 150_000 });
    const encoders = await waitFor('the first worker to run ffmpeg', async () => {
      const pids = await childrenRunning(doomed.pid, ffmpegBinary);
      return pids.length > 0 && pids;
    }, 60_000, 5);
    doomed.child.kill('SIGKILL');
    expect(await doomed.exited).toBe(null);
    // No orphan: every ffmpeg the killed worker had started ends with it (an orphan would go on
    // encoding for about a second; queue/ffmpeg-leash.test.ts proves the mechanism with a sleeper).
    await waitFor('the killed worker\'s ffmpeg processes to end', async () => !(await Promise.all(encoders.map(isRunning))).some(Boolean), 400, 10);

    const result = await ingest;
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('4 published, 0 already published, 0 failed');
    await expectPublishedOnce(env, isrcs);
    expect(await stop(survivor)).toBe(0);
  }, 180_000);

  it('Redis stopped and restarted (AOF) mid-delivery: no job lost, every track published, the command reports it', async () => {
    const { redis, env, file, isrcs } = await setup('redis-restart', { tracks: 6, series: 64, seconds: 5 });
    const one = await worker(env);
    const two = await worker(env);
    const ingest = runCadence(['ingest', file], { env, timeoutMs: 150_000 });
    const catalog = openCatalog(env.CADENCE_CATALOG!);
    await waitFor('a first track to be published', async () => catalog.listCurrent().length > 0, 60_000, 50);
    const before = catalog.listCurrent().length;
    catalog.close();
    expect(before).toBeLessThan(6);
    await redis.stop();
    await sleep(2000);
    await redis.restart();

    const result = await ingest;
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('6 published, 0 already published, 0 failed');
    await expectPublishedOnce(env, isrcs);
    expect(await jobs(env)).toHaveLength(6);
    // The workers rode it out.
    expect(one.child.exitCode).toBe(null);
    expect(two.child.exitCode).toBe(null);
    expect(await stop(one)).toBe(0);
    expect(await stop(two)).toBe(0);
  }, 180_000);

  it('SIGTERM: a worker finishes its job (or hands it back after --grace) and exits 0; no job is lost', async () => {
    const { env, file, isrcs } = await setup('sigterm', { tracks: 4, series: 65, seconds: 6 });
    const enqueued = await runCadence(['ingest', file, '--detach'], { env });
    expect(enqueued.code, enqueued.stderr).toBe(0);

    // Hands back: grace too short to finish.
    const hasty = await worker(env, ['--grace', '0.05']);
    await waitFor('ffmpeg in the first worker', async () => (await childrenRunning(hasty.pid, ffmpegBinary)).length > 0, 60_000, 10);
    expect(await stop(hasty)).toBe(0);
    expect(hasty.stderr()).toContain('handed back');
    let states = await jobs(env);
    expect(states.filter((job) => job.state === 'failed' || job.state === 'active')).toEqual([]);
    expect(states.filter((job) => job.state === 'waiting').length).toBeGreaterThanOrEqual(1);

    // Finishes: default grace.
    const patient = await worker(env);
    await waitFor('ffmpeg in the second worker', async () => (await childrenRunning(patient.pid, ffmpegBinary)).length > 0, 60_000, 10);
    expect(await stop(patient)).toBe(0);
    expect(patient.stderr()).not.toContain('handed back');
    states = await jobs(env);
    expect(states.filter((job) => job.state === 'completed').length).toBeGreaterThanOrEqual(1);
    expect(states.filter((job) => job.state === 'failed' || job.state === 'active')).toEqual([]);

    const last = await worker(env);
    await waitFor('every job to complete', async () => (await jobs(env)).every((job) => job.state === 'completed'));
    await expectPublishedOnce(env, isrcs);
    expect(await stop(last)).toBe(0);
  }, 180_000);
});

describe('queue configuration at the command line', () => {
  it('refuses a malformed CADENCE_QUEUE, an unreachable Redis, and queue commands without a queue, each with a clear error', async () => {
    const malformed = await runCadence(['jobs'], { env: { CADENCE_QUEUE: 'redis://queue' } });
    expect(malformed.code).toBe(1);
    expect(malformed.stderr).toBe('BAD_CONFIG: CADENCE_QUEUE="redis://queue": no port; expected redis://host:port[/db] (rediss:// for TLS), e.g. redis://127.0.0.1:6379/0\n');
    const unreachable = await runCadence(['worker'], { env: { CADENCE_QUEUE: 'redis://127.0.0.1:1' } });
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toContain('QUEUE: cannot reach Redis at redis://127.0.0.1:1/0 (CADENCE_QUEUE): connect ECONNREFUSED');
    const noQueue = { CADENCE_QUEUE: '' };
    for (const args of [['worker'], ['jobs'], ['ingest', 'missing.json', '--detach']]) {
      const result = await runCadence(args, { env: noQueue });
      expect(result.code, args.join(' ')).toBe(1);
      expect(result.stderr, args.join(' ')).toMatch(/^BAD_INPUT: .*CADENCE_QUEUE=redis:\/\/host:port\[\/db\]/);
    }
  }, 60_000);
});
