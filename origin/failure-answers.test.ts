import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openCatalog } from '../catalog/open-catalog.ts';
import { samplePublish } from '../catalog/test-support.ts';
import type { Catalog } from '../catalog/types.ts';
import { CadenceError } from '../errors/cadence-error.ts';
import { DESCRIPTION_FILE, versionPrefix } from '../storage/layout.ts';
import { openObjectStore } from '../storage/open-store.ts';
import type { ObjectStore } from '../storage/types.ts';
import { createOriginApp, type OriginApp } from './app.ts';
import { failureOf } from './json-answer.ts';
import { encodeRenditionSet } from './rendition-set.ts';
import { issueToken, parseSigningKeys, tokenScope } from './signing.ts';
import { testOriginConfig } from './test-support.ts';
import { anonymousListeners } from '../listeners/test-support.ts';

// What a client reads when the origin fails: no storage URL, filesystem path, SQL or stack, and
// for a 5xx a request id that the request's log line carries too. Real SQLite and a real folder
// store, each broken the way a disk or an operator breaks them.

const ISRC = 'GBAYE2600001';
const VERSION = '0123456789abcdef0123';
const KEYS = parseSigningKeys('k1:first-secret-0123456789');

let scratch: string;
let catalog: Catalog;
let store: ObjectStore;
let origin: OriginApp;
let lines: Array<Record<string, unknown>>;

beforeEach(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'cadence-failure-answers-'));
  catalog = openCatalog(join(scratch, 'catalog.db'));
  store = openObjectStore(`file://${join(scratch, 'objects')}`);
  lines = [];
  const log = (entry: object): void => void lines.push(entry as Record<string, unknown>);
  const config = testOriginConfig({ signingKeys: KEYS });
  origin = createOriginApp(config, { store, catalog, logger: { debug: log, info: log, warn: log, error: log }, listeners: anonymousListeners() });
});
afterEach(async () => {
  origin.stop();
  catalog.close();
  await store.close?.();
  await rm(scratch, { recursive: true, force: true });
});

/** Fails if the text holds anything of the machine: our scratch path, a URL scheme, SQL words, a stack frame. */
function expectNoInternals(text: string): void {
  expect(text).not.toContain(scratch);
  expect(text).not.toMatch(/file:\/\/|s3:\/\//);
  expect(text).not.toMatch(/no such table|SELECT|sqlite/i);
  expect(text).not.toMatch(/\bat .*\.ts:\d+/);
}

describe('failure answers', () => {
  it('a broken catalog answers 503 without SQL or paths, with the request id its log line carries', async () => {
    // Another process (an operator, a bad migration) drops a table under the running origin.
    const other = new Database(join(scratch, 'catalog.db'));
    other.pragma('foreign_keys = OFF');
    other.exec('DROP TABLE tracks');
    other.close();

    const response = await origin.fetch(new Request(`http://origin/v1/tracks/${ISRC}`));
    const text = await response.text();
    expect(response.status).toBe(503);
    expectNoInternals(text);
    const body = JSON.parse(text) as { error: string; message: string; requestId?: string };
    expect(body.error).toBe('unavailable');
    expect(body.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(response.headers.get('x-request-id')).toBe(body.requestId);
    const line = lines.find((entry) => entry.status === 503);
    expect(line?.requestId).toBe(body.requestId);
    // The log keeps the cause for the operator.
    expect(String((line?.err as Error | undefined)?.message)).toMatch(/no such table/);
  });

  it('a storage failure on the media path answers 503 without the store path, with the logged request id', async () => {
    // The description cannot be read: a symbolic link to itself (ELOOP) where the file should be.
    const folder = join(scratch, 'objects', versionPrefix(ISRC, VERSION));
    await mkdir(folder, { recursive: true });
    await symlink(DESCRIPTION_FILE, join(folder, DESCRIPTION_FILE));
    // A published, streamable track: the media path's rights check lets it through to storage.
    catalog.publish(samplePublish({ isrc: ISRC, version: VERSION }));
    const { token } = issueToken({ keys: KEYS, scope: tokenScope(ISRC, VERSION), renditions: encodeRenditionSet(['aac-96', 'aac-160', 'aac-320', 'flac']), now: new Date() });
    const answer = await origin.serveMedia({ method: 'GET', rawPath: `/media/${token}/${ISRC}/${VERSION}/master.m3u8`, headers: { get: () => null } });
    const text = Buffer.from(answer.body as Uint8Array).toString('utf8');
    expect(answer.status).toBeGreaterThanOrEqual(500);
    expectNoInternals(text);
    const body = JSON.parse(text) as { requestId?: string };
    expect(body.requestId).toBeTruthy();
    expect(answer.headers['X-Request-Id']).toBe(body.requestId);
    const line = lines.find((entry) => entry.status === answer.status);
    expect(line?.requestId).toBe(body.requestId);
  });

  it('shows a 400 its own message, but not one naming a path or URL; a 404 never repeats the store', () => {
    expect(failureOf(new CadenceError('BAD_INPUT', 'the query is longer than 200 characters'))).toEqual({
      status: 400,
      error: 'bad_request',
      message: 'the query is longer than 200 characters',
    });
    expect(failureOf(new CadenceError('BAD_INPUT', `file://${scratch}/objects tracks/x: byte range 5-9 is outside the object`)).message).toBe('bad request');
    expect(failureOf(new CadenceError('BAD_INPUT', `cannot read source file ${scratch}/a.wav: EACCES`)).message).toBe('bad request');
    expect(failureOf(new CadenceError('NOT_FOUND', `file://${scratch}/objects tracks/x: no such object`))).toEqual({ status: 404, error: 'not_found', message: 'not found' });
    const internal = failureOf(new TypeError(`Cannot read properties of undefined (reading 'x') at ${scratch}/origin/app.ts:12`));
    expect(internal).toMatchObject({ status: 500, error: 'internal', message: 'internal error' });
    expect(internal.requestId).toBeTruthy();
  });
});
