import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, openSync, writeSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';

import { startS3Server } from '../test/helpers/s3-server.ts';
import type { RecordedS3Request, S3TestServer } from '../test/helpers/s3-server.ts';
import { collect, describeObjectStoreContract, expectCode, LARGE_OBJECT_BYTES, sha256 } from './object-store.contract.ts';
import { S3ObjectStore } from './s3-store.ts';
import type { S3ObjectStoreOptions } from './s3-store.ts';

const MiB = 1024 * 1024;

// One s3rver for the contract suite; every test gets its own key prefix.
let shared: Promise<S3TestServer> | undefined;
let runs = 0;
afterAll(async () => {
  await (await shared)?.close();
});

function storeOn(server: S3TestServer, options: Partial<S3ObjectStoreOptions> = {}): S3ObjectStore {
  return new S3ObjectStore({
    bucket: server.bucket,
    endpoint: server.endpoint,
    credentials: { accessKeyId: server.env.AWS_ACCESS_KEY_ID, secretAccessKey: server.env.AWS_SECRET_ACCESS_KEY },
    ...options,
  });
}

describeObjectStoreContract('S3 (s3rver on loopback)', async () => {
  shared ??= startS3Server();
  const server = await shared;
  const store = storeOn(server, {
    prefix: `contract/run-${++runs}`,
    // Small pages and a low threshold put pagination and multipart under the contract too.
    listPageSize: 2,
    multipartThreshold: 1 * MiB,
    partSize: 5 * MiB,
    maxAttempts: 3,
  });
  return { store, teardown: () => store.close() };
});

/** s3rver answering like an overloaded S3 node, after reading the request body. */
function answerInternalError(req: IncomingMessage, res: ServerResponse): true {
  req.resume();
  req.on('end', () => {
    res.writeHead(500, { 'content-type': 'application/xml' });
    res.end('<?xml version="1.0" encoding="UTF-8"?><Error><Code>InternalError</Code><Message>try again</Message></Error>');
  });
  return true;
}

const md5 = (data: Buffer | string): string => createHash('md5').update(data).digest('base64');
const isPut = (r: RecordedS3Request): boolean => r.method === 'PUT';
const isPartUpload = (r: RecordedS3Request): boolean => r.method === 'PUT' && r.url.includes('partNumber=');

describe('S3ObjectStore against s3rver', () => {
  let server: S3TestServer;
  let store: S3ObjectStore;
  let scratch: string;

  beforeEach(async () => {
    server = await startS3Server({ bucket: 'media' });
    store = storeOn(server, { prefix: 'cadence/objects', multipartThreshold: 1 * MiB, partSize: 5 * MiB });
    scratch = await mkdtemp(join(tmpdir(), 'cadence-s3-test-'));
  });

  afterEach(async () => {
    await store.close();
    await server.close();
    await rm(scratch, { recursive: true, force: true });
  });

  it('names the bucket and prefix in its URL and keeps objects under the prefix', async () => {
    expect(store.url).toBe('s3://media/cadence/objects');
    await store.putBytes('tracks/a', 'x');
    const other = storeOn(server, { prefix: 'elsewhere' });
    expect(await collect(other.list(''))).toEqual([]);
    expect(await other.head('tracks/a')).toBeNull();
    await other.close();
    expect(server.requests.some((r) => r.method === 'PUT' && r.url.split('?')[0] === '/media/cadence/objects/tracks/a')).toBe(true);
  });

  describe('integrity headers', () => {
    it('sends Content-MD5 and the sha256 metadata on single puts, never aws-chunked bodies', async () => {
      const content = randomBytes(200_000);
      await store.putBytes('bytes.bin', content);
      await store.putFile('file.bin', await writeScratch('file.bin', content)); // streamed body
      const puts = server.requests.filter(isPut);
      expect(puts).toHaveLength(2);
      for (const put of puts) {
        expect(put.headers['content-md5']).toBe(md5(content));
        expect(put.headers['x-amz-meta-sha256']).toBe(sha256(content));
        expect(put.headers['content-length']).toBe(String(content.length));
        expect(put.headers['if-none-match']).toBe('*');
        expect(put.headers['content-encoding']).toBeUndefined();
        expect(put.headers['x-amz-trailer']).toBeUndefined();
        expect(put.headers['x-amz-content-sha256']).not.toMatch(/STREAMING|TRAILER/);
        expect(Object.keys(put.headers).filter((name) => name.startsWith('x-amz-checksum-'))).toEqual([]);
        // Standard retry mode with the default budget of 5 attempts per request.
        expect(put.headers['amz-sdk-request']).toBe('attempt=1; max=5');
      }
    });

    it('has its Content-MD5 checked by the server: a wrong one is refused with BadDigest', async () => {
      // The helper's s3rver verifies Content-MD5 like S3, so every put in these suites passing
      // also proves the driver's digests right.
      const raw = new S3Client({
        region: 'us-east-1',
        endpoint: server.endpoint,
        forcePathStyle: true,
        credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
        maxAttempts: 1,
      });
      await expect(
        raw.send(new PutObjectCommand({ Bucket: 'media', Key: 'cadence/objects/damaged', Body: 'abc', ContentMD5: md5('abd') })),
      ).rejects.toMatchObject({ name: 'BadDigest', $metadata: { httpStatusCode: 400 } });
      raw.destroy();
      expect(await store.head('damaged')).toBeNull();
    });

    it('sends each multipart part with its own Content-MD5 and checks the result', async () => {
      const content = randomBytes(LARGE_OBJECT_BYTES);
      await store.putFile('large.bin', await writeScratch('large.bin', content));
      const parts = server.requests.filter(isPartUpload);
      expect(parts).toHaveLength(3); // 5 + 5 + 1.01 MiB
      for (const part of parts) {
        const number = Number(new URL(part.url, 'http://x').searchParams.get('partNumber'));
        const slice = content.subarray((number - 1) * 5 * MiB, number * 5 * MiB);
        expect(part.headers['content-md5']).toBe(md5(slice));
      }
      const create = server.requests.find((r) => r.method === 'POST' && r.url.includes('uploads'));
      expect(create?.headers['x-amz-meta-sha256']).toBe(sha256(content));
      const complete = server.requests.find((r) => r.method === 'POST' && r.url.includes('uploadId='));
      expect(complete?.headers['if-none-match']).toBe('*');
      // The read-after-write check is the last request.
      expect(server.requests.at(-1)?.method).toBe('HEAD');
      expect(await store.head('large.bin')).toMatchObject({ size: content.length, sha256: sha256(content) });
    });
  });

  describe('retries', () => {
    it('retries a buffered put after a 500 (SDK standard mode)', async () => {
      let failures = 1;
      server.setHook((req, res) => req.method === 'PUT' && failures-- > 0 && answerInternalError(req, res));
      expect((await store.putBytes('retried', 'content')).created).toBe(true);
      const attempts = server.requests.filter(isPut).map((r) => r.headers['amz-sdk-request']);
      expect(attempts).toEqual(['attempt=1; max=5', 'attempt=2; max=5']);
      expect((await store.getBytes('retried')).toString()).toBe('content');
    });

    it('retries a streamed single put from a file by reopening it', async () => {
      let failures = 2;
      server.setHook((req, res) => req.method === 'PUT' && failures-- > 0 && answerInternalError(req, res));
      const content = randomBytes(300_000);
      expect((await store.putFile('streamed', await writeScratch('s.bin', content))).created).toBe(true);
      expect(server.requests.filter(isPut)).toHaveLength(3);
      expect(sha256(await store.getBytes('streamed'))).toBe(sha256(content));
    });

    it('retries a failed multipart part', async () => {
      let failures = 1;
      server.setHook((req, res) => isPartUpload(recorded(req)) && failures-- > 0 && answerInternalError(req, res));
      const content = randomBytes(LARGE_OBJECT_BYTES);
      await store.putFile('large', await writeScratch('large.bin', content));
      expect(server.requests.filter(isPartUpload)).toHaveLength(4);
      expect(sha256(await store.getBytes('large'))).toBe(sha256(content));
    });
  });

  describe('server outages', () => {
    it('reports STORAGE after the retry budget when the server is down, and nothing appears later', async () => {
      const quick = storeOn(server, { prefix: 'cadence/objects', maxAttempts: 2 });
      await server.stop();
      const started = Date.now();
      const error = await expectCode(quick.putBytes('tracks/X/v1/a.mp4', 'content'), 'STORAGE');
      expect(error.message).toContain('s3://media/cadence/objects/tracks/X/v1/a.mp4');
      expect(error.message).toMatch(/\bhead\b|\bput\b/);
      expect(error.message).toContain('2 attempts');
      await expectCode(quick.putFile('b', await writeScratch('b', 'file content')), 'STORAGE');
      await expectCode(quick.head('a'), 'STORAGE');
      await expectCode(quick.get('a'), 'STORAGE');
      await expectCode(collect(quick.list('')), 'STORAGE');
      expect(Date.now() - started).toBeLessThan(5_000);

      await server.restart();
      expect(await quick.head('tracks/X/v1/a.mp4')).toBeNull();
      expect(await collect(quick.list(''))).toEqual([]);
      expect((await quick.putBytes('tracks/X/v1/a.mp4', 'content')).created).toBe(true);
      await quick.close();
    });

    it('leaves no object behind when the server dies in the middle of a single put', async () => {
      const quick = storeOn(server, { prefix: 'cadence/objects', maxAttempts: 2 });
      server.setHook((req) => {
        if (req.method === 'PUT') req.once('data', () => void server.stop());
        return false;
      });
      const path = await writeScratch('desc.bin', randomBytes(4 * MiB));
      const error = await expectCode(quick.putFile('description.json', path), 'STORAGE');
      expect(error.message).toMatch(/S3 put s3:\/\/media\/cadence\/objects\/description\.json failed after 2 attempts/);

      server.setHook(null);
      await server.restart();
      expect(await quick.head('description.json')).toBeNull();
      expect((await quick.putFile('description.json', path)).created).toBe(true);
      await quick.close();
    });

    it('leaves no object behind when the server dies in the middle of a multipart upload', async () => {
      const quick = storeOn(server, { prefix: 'cadence/objects', maxAttempts: 2, multipartThreshold: 1 * MiB, partSize: 5 * MiB });
      server.setHook((req) => {
        if (!isPartUpload(recorded(req))) return false;
        void server.stop(); // drops this request's connection too
        return true;
      });
      const content = randomBytes(LARGE_OBJECT_BYTES);
      const error = await expectCode(quick.putFile('master.flac', await writeScratch('m.bin', content)), 'STORAGE');
      expect(error.message).toContain('s3://media/cadence/objects/master.flac');

      server.setHook(null);
      await server.restart();
      expect(await quick.head('master.flac')).toBeNull();
      expect(await collect(quick.list(''))).toEqual([]);
      // Back later: the same ingest step now succeeds.
      expect((await quick.putFile('master.flac', join(scratch, 'm.bin'))).created).toBe(true);
      expect(sha256(await quick.getBytes('master.flac'))).toBe(sha256(content));
      await quick.close();
    });
  });

  it('an abort during a multipart upload reports ABORTED and abandons the upload', async () => {
    const controller = new AbortController();
    server.setHook((req) => {
      if (isPartUpload(recorded(req))) controller.abort();
      return false;
    });
    const path = await writeScratch('large.bin', randomBytes(LARGE_OBJECT_BYTES));
    await expectCode(store.putFile('aborted.flac', path, { signal: controller.signal }), 'ABORTED');
    server.setHook(null);
    // lib-storage aborts the multipart upload once the parts in flight have settled.
    await expect.poll(() => server.requests.some((r) => r.method === 'DELETE' && r.url.includes('uploadId=')), { timeout: 5_000 }).toBe(true);
    expect(await store.head('aborted.flac')).toBeNull();
  });

  it('notices a source file changing during the upload and keeps no object', async () => {
    const serial = storeOn(server, { prefix: 'cadence/objects', multipartThreshold: 1 * MiB, partSize: 5 * MiB, queueSize: 1 });
    const path = await writeScratch('changing.bin', randomBytes(LARGE_OBJECT_BYTES));
    let changed = false;
    server.setHook((req) => {
      if (!changed && isPartUpload(recorded(req))) {
        // Parts are read as they are sent: the last MiB has not been read yet.
        const fd = openSync(path, 'r+');
        writeSync(fd, randomBytes(MiB), 0, MiB, LARGE_OBJECT_BYTES - MiB);
        closeSync(fd);
        changed = true;
      }
      return false;
    });
    const error = await expectCode(serial.putFile('changing.bin', path), 'STORAGE');
    expect(error.message).toContain('changed during the upload');
    expect(await serial.head('changing.bin')).toBeNull();
    await serial.close();
  });

  it('compares by content an existing object written without our sha256 metadata', async () => {
    const raw = new S3Client({
      region: 'us-east-1',
      endpoint: server.endpoint,
      forcePathStyle: true,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    });
    await raw.send(new PutObjectCommand({ Bucket: 'media', Key: 'cadence/objects/foreign', Body: 'uploaded elsewhere' }));
    raw.destroy();
    expect((await store.head('foreign'))?.sha256).toBeNull();
    expect((await store.putBytes('foreign', 'uploaded elsewhere')).created).toBe(false);
    await expectCode(store.putBytes('foreign', 'something else'), 'CONFLICT');
  });

  it('pages through listings with ListObjectsV2 continuation tokens', async () => {
    const paged = storeOn(server, { prefix: 'cadence/objects', listPageSize: 2 });
    const keys = ['k1', 'k2', 'k3', 'k4', 'k5'];
    for (const key of keys) await paged.putBytes(`list/${key}`, key);
    server.requests.length = 0;
    expect((await collect(paged.list('list/'))).map((o) => o.key)).toEqual(keys.map((k) => `list/${k}`));
    const pages = server.requests.filter((r) => r.method === 'GET' && r.url.includes('list-type=2'));
    expect(pages).toHaveLength(3);
    expect(pages.slice(1).every((r) => r.url.includes('continuation-token='))).toBe(true);
    await paged.close();
  });

  async function writeScratch(name: string, content: Buffer | string): Promise<string> {
    const path = join(scratch, name);
    await writeFile(path, content);
    return path;
  }
});

function recorded(req: IncomingMessage): RecordedS3Request {
  return { method: req.method ?? '', url: req.url ?? '', headers: req.headers };
}
