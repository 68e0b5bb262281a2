import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

import { startS3Server } from '../test/helpers/s3-server.ts';
import { FsObjectStore } from './fs-store.ts';
import { expectCode } from './object-store.contract.ts';
import { openObjectStore, s3OptionsFromEnv } from './open-store.ts';
import { S3ObjectStore } from './s3-store.ts';

describe('openObjectStore', () => {
  it('opens file:// URLs, relative paths against cwd', () => {
    const relative = openObjectStore('file://./data/objects', { cwd: '/srv/cadence' });
    expect(relative).toBeInstanceOf(FsObjectStore);
    expect((relative as FsObjectStore).root).toBe('/srv/cadence/data/objects');
    expect(relative.url).toBe('file:///srv/cadence/data/objects');
    expect((openObjectStore('file:///var/lib/cadence/', { cwd: '/x' }) as FsObjectStore).root).toBe('/var/lib/cadence');
    expect((openObjectStore('file://data%20dir', { cwd: '/x' }) as FsObjectStore).root).toBe('/x/data dir');
  });

  it('opens s3:// URLs with an optional prefix', async () => {
    const store = openObjectStore('s3://my-bucket/cadence/prod/', { s3: { region: 'eu-west-1' } });
    expect(store).toBeInstanceOf(S3ObjectStore);
    expect(store.url).toBe('s3://my-bucket/cadence/prod');
    expect((store as S3ObjectStore).prefix).toBe('cadence/prod');
    await store.close?.();
    const bare = openObjectStore('s3://my-bucket');
    expect(bare.url).toBe('s3://my-bucket');
    await bare.close?.();
  });

  it.each([
    ['http://example.com/objects', /unsupported scheme "http:"/],
    ['./data/objects', /not a store URL/],
    ['', /not a store URL/],
    ['file://', /no path/],
    ['file://%zz', /percent-escape/],
    ['s3://', /no bucket/],
    ['s3:///prefix', /no bucket/],
    ['s3://Bad_Bucket/x', /not a valid bucket name/],
    ['s3://bucket/a/../b', /not a valid key prefix/],
    ['s3://bucket/a//b', /not a valid key prefix/],
    ['s3://bucket/x?versionId=1', /no query/],
  ])('refuses %j with BAD_INPUT', async (url, message) => {
    const error = await expectCode(Promise.resolve().then(() => openObjectStore(url)), 'BAD_INPUT');
    expect(error.message).toMatch(message);
    expect(error.message).toContain('file://PATH or s3://BUCKET[/PREFIX]');
  });
});

describe('s3OptionsFromEnv', () => {
  it('reads the standard AWS variables and CADENCE_S3_MAX_ATTEMPTS', () => {
    expect(
      s3OptionsFromEnv({
        AWS_REGION: 'eu-central-1',
        AWS_ENDPOINT_URL: 'http://generic:9000',
        AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:9000',
        AWS_ACCESS_KEY_ID: 'id',
        AWS_SECRET_ACCESS_KEY: 'secret',
        AWS_SESSION_TOKEN: 'token',
        CADENCE_S3_MAX_ATTEMPTS: '7',
      }),
    ).toEqual({
      region: 'eu-central-1',
      endpoint: 'http://127.0.0.1:9000',
      credentials: { accessKeyId: 'id', secretAccessKey: 'secret', sessionToken: 'token' },
      maxAttempts: 7,
    });
    expect(s3OptionsFromEnv({ AWS_ENDPOINT_URL: 'http://generic:9000' })).toEqual({ endpoint: 'http://generic:9000' });
  });

  it('leaves unset (or half-set) values to the SDK defaults', () => {
    expect(s3OptionsFromEnv({})).toEqual({});
    expect(s3OptionsFromEnv({ AWS_ACCESS_KEY_ID: 'id', AWS_REGION: '' })).toEqual({});
  });

  it.each([
    [{ CADENCE_S3_MAX_ATTEMPTS: 'many' }, /CADENCE_S3_MAX_ATTEMPTS/],
    [{ CADENCE_S3_MAX_ATTEMPTS: '0' }, /CADENCE_S3_MAX_ATTEMPTS/],
    [{ AWS_ENDPOINT_URL_S3: 'localhost:9000' }, /AWS_ENDPOINT_URL_S3/],
  ])('refuses %j with BAD_INPUT naming the variable', async (env, message) => {
    const error = await expectCode(Promise.resolve().then(() => s3OptionsFromEnv(env)), 'BAD_INPUT');
    expect(error.message).toMatch(message);
  });
});

describe('the CLI path: URL + environment → working store', () => {
  const cleanup: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const step of cleanup.reverse()) await step();
  });

  it('reaches s3rver through s3OptionsFromEnv', async () => {
    const server = await startS3Server();
    cleanup.push(() => server.close());
    const store = openObjectStore(`s3://${server.bucket}/via-env`, { s3: s3OptionsFromEnv(server.env) });
    cleanup.push(async () => store.close?.());
    expect((await store.putBytes('hello.txt', 'hi')).created).toBe(true);
    expect((await store.getBytes('hello.txt')).toString()).toBe('hi');
  });

  it('writes a relative file:// store under cwd', async () => {
    const cwd = await mkdtemp(join(tmpdir(), 'cadence-open-store-'));
    cleanup.push(() => rm(cwd, { recursive: true, force: true }));
    const store = openObjectStore('file://./data/objects', { cwd });
    await store.putBytes('a/b.txt', 'x');
    expect((await store.head('a/b.txt'))?.size).toBe(1);
    expect(store.url).toBe(`file://${cwd}/data/objects`);
  });
});
