// The operator's first minutes with `cadence serve` and friends, through the real command line:
// the version, a port already taken, a setting with a bad value, workers by default.

import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, runCadence } from './helpers/cadence-cli.ts';

let scratch: string;
let env: NodeJS.ProcessEnv;
let holder: Server;
let takenPort: number;

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'cadence-serve-cli-'));
  env = {
    CADENCE_STORE: `file://${join(scratch, 'objects')}`,
    CADENCE_CATALOG: join(scratch, 'catalog.db'),
    CADENCE_SIGNING_KEYS: 'test:test-secret-0123456789',
    LOG_LEVEL: 'warn',
  };
  holder = createServer();
  await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
  takenPort = (holder.address() as { port: number }).port;
});
afterAll(async () => {
  await new Promise((resolve) => holder.close(resolve));
  await rm(scratch, { recursive: true, force: true });
});

/** What a person reads on stderr: the lines that are not structured (pino) log lines. */
function plainLines(stderr: string): string[] {
  return stderr.split('\n').filter((line) => line.trim() !== '' && !line.startsWith('{'));
}

describe('cadence --version', () => {
  it('prints the package version', async () => {
    const { version } = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
    const result = await runCadence(['--version']);
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toBe(version);
  });
});

describe('cadence serve on a port in use', () => {
  it.each([1, 2])('says so in one line and exits non-zero (%i workers)', async (workers) => {
    const result = await runCadence(['serve', '--port', String(takenPort), '--workers', String(workers)], { env, timeoutMs: 60_000 });
    expect(result.code).not.toBe(0);
    expect(result.code).not.toBeNull(); // it ended by itself
    expect(plainLines(result.stderr)).toEqual([`ADDRESS_IN_USE: 127.0.0.1:${takenPort} is already in use (another process listens there; choose another --port)`]);
    expect(result.stdout).not.toMatch(/listening/);
  });
});

describe('settings are refused at start', () => {
  it('serve refuses CADENCE_TOKEN_SKEW=abc naming the variable, and does not listen', async () => {
    const result = await runCadence(['serve', '--port', '0', '--workers', '1'], { env: { ...env, CADENCE_TOKEN_SKEW: 'abc' }, timeoutMs: 60_000 });
    expect(result.code).toBe(1);
    expect(plainLines(result.stderr)).toEqual(['BAD_CONFIG: CADENCE_TOKEN_SKEW="abc": expected a whole number of seconds from 0 to 3600']);
    expect(result.stdout).not.toMatch(/listening/);
  });

  it('ingest refuses CADENCE_MAX_DURATION=abc before reading the delivery', async () => {
    const result = await runCadence(['ingest', join(scratch, 'missing.json')], { env: { ...env, CADENCE_MAX_DURATION: 'abc' } });
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe('BAD_CONFIG: CADENCE_MAX_DURATION="abc": expected a number of seconds from 1 to 604800');
  });
});

describe('cadence serve --workers', () => {
  it('runs one origin process per core by default', async () => {
    const child = spawn(process.execPath, ['bin/cadence.js', 'serve', '--port', '0'], { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    try {
      const line = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no "listening" line; stderr: ${stderr}`)), 60_000);
        child.stdout.on('data', (chunk: Buffer) => {
          stdout += chunk;
          const match = /listening on .*\n/.exec(stdout);
          if (match) {
            clearTimeout(timer);
            resolve(match[0].trim());
          }
        });
        child.once('close', () => reject(new Error(`serve ended: ${stderr}`)));
      });
      const cores = availableParallelism();
      if (cores > 1) expect(line).toMatch(new RegExp(`^listening on http://127\\.0\\.0\\.1:\\d+ \\(${cores} workers\\)$`));
      else expect(line).toMatch(/^listening on http:\/\/127\.0\.0\.1:\d+$/);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  });
});
