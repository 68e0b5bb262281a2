// Issue 15 point 6: `cadence search` and `cadence serve` start while another process holds a
// write transaction on the catalog (before: both waited 5 s and exited with "database is locked").

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCatalog } from '../catalog/open-catalog.ts';
import { samplePublish } from '../catalog/test-support.ts';
import { REPO_ROOT, runCadence } from './helpers/cadence-cli.ts';

let scratch: string;
let env: NodeJS.ProcessEnv;
let holder: ChildProcess;

/** Another process inside a write transaction on `path`, until killed. */
function holdWriteLock(path: string): Promise<ChildProcess> {
  const script = `
    const Database = require('better-sqlite3');
    const db = new Database(process.argv[1]);
    db.exec('BEGIN IMMEDIATE');
    db.prepare("INSERT INTO labels (name) VALUES ('a long import')").run();
    process.stdout.write('held\\n');
    setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ['-e', script, path], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.stdout!.once('data', () => resolve(child));
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'cadence-contention-'));
  const catalogPath = join(scratch, 'catalog.db');
  const catalog = openCatalog(catalogPath);
  catalog.publish(samplePublish());
  catalog.close();
  env = { CADENCE_CATALOG: catalogPath, CADENCE_STORE: `file://${join(scratch, 'objects')}`, CADENCE_SIGNING_KEYS: 'k1:0123456789abcdef0123456789abcdef' };
  holder = await holdWriteLock(catalogPath);
});
afterAll(async () => {
  holder?.kill('SIGKILL');
  await rm(scratch, { recursive: true, force: true });
});

describe('a catalog another process is writing', () => {
  it('`cadence search` answers at once', async () => {
    const started = Date.now();
    const result = await runCadence(['search', 'prelude', '--json'], { env });
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout).results.map((r: { isrc: string }) => r.isrc)).toEqual(['GBAYE2600001']);
    expect(Date.now() - started).toBeLessThan(4500);
  });

  it('`cadence serve` starts and answers', async () => {
    const port = await freePort();
    const serve = spawn(process.execPath, ['bin/cadence.js', 'serve', '--port', String(port)], {
      cwd: REPO_ROOT,
      env: { ...process.env, ...env, LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    serve.stderr!.on('data', (chunk: Buffer) => (stderr += chunk));
    try {
      const listening = await new Promise<boolean>((resolve) => {
        serve.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes('listening on') && resolve(true));
        serve.on('exit', () => resolve(false));
      });
      expect(listening, stderr).toBe(true);
      const search = await fetch(`http://127.0.0.1:${port}/v1/search?q=prelude`);
      expect(search.status).toBe(200);
      expect((await search.json()).results[0].isrc).toBe('GBAYE2600001');
      expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);
    } finally {
      serve.kill('SIGTERM');
    }
  }, 30_000);
});
