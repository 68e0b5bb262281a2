// A throwaway S3-compatible server (s3rver) on loopback for storage and end-to-end tests. The
// HTTP server is ours, with s3rver's request handler inside it, so tests can stop it mid-upload
// (dropping open connections), bring it back on the same port with the same data, look at the
// request headers clients really sent, and inject failures.
//
// s3rver 3.7 differs from S3 where our tests look, so three of its functions are replaced (once
// per process; its router and controllers look them up per request):
// - PUT and UploadPart bodies land in a temp file renamed into place when complete: s3rver
//   writes straight to the object file, so a PUT torn by a dropped connection left a partial
//   object visible. S3 never shows a partial object.
// - Content-MD5 is verified (BadDigest on mismatch), as S3 does; s3rver ignores it.
// - ListObjectsV2 continuation tokens: s3rver encrypts them with DES, which OpenSSL 3 (Node >= 17)
//   refuses, so every truncated V2 listing failed with a 500.

import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Transform } from 'node:stream';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** The small part of s3rver's API used here (the package ships no types). */
interface S3rverApp {
  configureBuckets(): Promise<unknown>;
  callback(): (req: IncomingMessage, res: ServerResponse) => void;
}
type S3rverConstructor = new (options: Record<string, unknown>) => S3rverApp;

const require = createRequire(import.meta.url);
const S3rver = require('s3rver') as S3rverConstructor;

/** The slice of a Koa context s3rver's controllers use. */
interface ListContext {
  query: Record<string, string | undefined>;
  params: { bucket: string };
  body: unknown;
  store: {
    listObjects(
      bucket: string,
      options: { prefix?: string; delimiter?: string; startAfter?: string; maxKeys: number },
    ): Promise<{
      objects: Array<{ key: string; size: number; lastModifiedDate: Date; metadata: Record<string, string> }>;
      commonPrefixes: string[];
      isTruncated: boolean;
    }>;
  };
}
interface BucketController {
  getBucket(ctx: ListContext): Promise<void>;
  cadencePatched?: boolean;
}

const bucketController = require('s3rver/lib/controllers/bucket.js') as BucketController;
if (!bucketController.cadencePatched) {
  const original = bucketController.getBucket.bind(bucketController);
  bucketController.getBucket = (ctx) => (ctx.query['list-type'] === '2' ? listObjectsV2(ctx) : original(ctx));
  bucketController.cadencePatched = true;
}

interface S3ErrorConstructor {
  new (code: string, message: string, detail?: Record<string, unknown>): Error;
}
const S3Error = require('s3rver/lib/models/error.js') as S3ErrorConstructor;

interface FilesystemStoreShape {
  getResourcePath(bucket: string, key: string | undefined, resource: string): string;
  putMetadata(bucket: string, key: string, metadata: Record<string, unknown>, md5: string): Promise<void>;
  putObject(object: { bucket: string; key: string; content: Buffer | Readable; metadata: Record<string, unknown> }): Promise<{ size: number; md5: string }>;
  putPart(bucket: string, uploadId: string, partNumber: string | number, content: Readable): Promise<{ size: number; md5: string }>;
}
interface FilesystemStoreClass {
  prototype: FilesystemStoreShape & { cadencePatched?: boolean };
}
const FilesystemStore = require('s3rver/lib/stores/filesystem.js') as FilesystemStoreClass;
if (!FilesystemStore.prototype.cadencePatched) {
  FilesystemStore.prototype.putObject = async function putObject(object) {
    const path = this.getResourcePath(object.bucket, object.key, 'object');
    const { size, md5 } = await writeAtomically(path, object.content);
    await this.putMetadata(object.bucket, object.key, object.metadata, md5);
    return { size, md5 };
  };
  FilesystemStore.prototype.putPart = async function putPart(bucket, uploadId, partNumber, content) {
    const path = join(this.getResourcePath(bucket, undefined, 'uploads'), uploadId, String(partNumber));
    const written = await writeAtomically(path, content);
    await writeFile(`${path}.md5`, written.md5);
    return written;
  };
  FilesystemStore.prototype.cadencePatched = true;
}

/** Writes a body to `path` via a temp file, checking Content-MD5 when the request carried one. */
async function writeAtomically(path: string, content: Buffer | Readable): Promise<{ size: number; md5: string }> {
  await mkdir(dirname(path), { recursive: true });
  const temp = `${path}.${randomUUID()}.partial`; // never ends in s3rver's "._S3rver_object"
  const hash = createHash('md5');
  let size = 0;
  try {
    if (Buffer.isBuffer(content)) {
      hash.update(content);
      size = content.length;
      await writeFile(temp, content);
    } else {
      const counting = new Transform({
        transform(chunk: Buffer, _encoding, callback) {
          hash.update(chunk);
          size += chunk.length;
          callback(null, chunk);
        },
      });
      await pipeline(content, counting, createWriteStream(temp));
    }
    const declared = Buffer.isBuffer(content) ? undefined : (content as Partial<IncomingMessage>).headers?.['content-md5'];
    const digest = hash.digest();
    if (typeof declared === 'string' && declared !== digest.toString('base64')) {
      throw new S3Error('BadDigest', 'The Content-MD5 you specified did not match what we received.', {
        ExpectedDigest: declared,
        CalculatedDigest: digest.toString('base64'),
      });
    }
    await rename(temp, path);
    return { size, md5: digest.toString('hex') };
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

async function listObjectsV2(ctx: ListContext): Promise<void> {
  const { query } = ctx;
  const token = query['continuation-token'];
  const maxKeys = Math.min(1000, Number(query['max-keys'] ?? 1000));
  const result =
    maxKeys === 0
      ? { objects: [], commonPrefixes: [], isTruncated: false }
      : await ctx.store.listObjects(ctx.params.bucket, {
          prefix: query.prefix || undefined,
          delimiter: query.delimiter || undefined,
          startAfter: token ? Buffer.from(token, 'base64url').toString('utf8') : query['start-after'],
          maxKeys,
        });
  const last = result.objects.at(-1)?.key;
  ctx.body = {
    ListBucketResult: {
      '@': { xmlns: 'http://s3.amazonaws.com/doc/2006-03-01/' },
      Name: ctx.params.bucket,
      Prefix: query.prefix ?? '',
      StartAfter: token ? undefined : query['start-after'],
      ContinuationToken: token || undefined,
      NextContinuationToken: result.isTruncated && last ? Buffer.from(last).toString('base64url') : undefined,
      KeyCount: result.objects.length,
      MaxKeys: query['max-keys'] ?? 1000,
      Delimiter: query.delimiter || undefined,
      IsTruncated: result.isTruncated,
      Contents: result.objects.map((object) => ({
        Key: object.key,
        LastModified: object.lastModifiedDate.toISOString(),
        ETag: object.metadata.etag,
        Size: object.size,
        StorageClass: 'STANDARD',
      })),
      CommonPrefixes: result.commonPrefixes.map((prefix) => ({ Prefix: prefix })),
    },
  };
}

export interface RecordedS3Request {
  method: string;
  /** Path and query, e.g. `/cadence/a/b?uploadId=…&partNumber=2`. */
  url: string;
  /** Lower-case header names, as Node parses them. */
  headers: IncomingMessage['headers'];
}

/**
 * Sees every request before s3rver does. Return true when the hook answered (or destroyed) the
 * request itself; s3rver then never sees it.
 */
export type S3RequestHook = (req: IncomingMessage, res: ServerResponse) => boolean;

export interface S3ServerOptions {
  bucket?: string;
  /** Where s3rver keeps its data; a fresh temp folder (removed on stop) when omitted. */
  directory?: string;
}

export interface S3TestServer {
  /** `http://127.0.0.1:PORT`, no trailing slash. */
  endpoint: string;
  bucket: string;
  directory: string;
  /** What the CLI edge reads to reach this server (s3rver's fixed dev credentials). */
  env: {
    AWS_ENDPOINT_URL_S3: string;
    AWS_REGION: string;
    AWS_ACCESS_KEY_ID: string;
    AWS_SECRET_ACCESS_KEY: string;
  };
  /** Every request received while running, oldest first. Tests may clear it. */
  requests: RecordedS3Request[];
  /** Install (or clear with null) a request hook; see `S3RequestHook`. */
  setHook(hook: S3RequestHook | null): void;
  /** Stops listening and drops open connections (in-flight uploads break). Keeps the data. */
  stop(): Promise<void>;
  /** Listens again on the same port with the same data. */
  restart(): Promise<void>;
  /** Stops and removes the data folder if this helper created it. */
  close(): Promise<void>;
}

export async function startS3Server({
  bucket = 'cadence',
  directory,
}: S3ServerOptions = {}): Promise<S3TestServer> {
  const ownsDirectory = directory === undefined;
  const dataDir = directory ?? (await mkdtemp(join(tmpdir(), 'cadence-s3rver-')));
  const app = new S3rver({
    silent: true,
    directory: dataDir,
    configureBuckets: [{ name: bucket, configs: [] }],
  });
  await app.configureBuckets();
  const handle = app.callback();

  const requests: RecordedS3Request[] = [];
  let hook: S3RequestHook | null = null;
  let server: Server | null = null;
  let port = 0;

  const listen = async (): Promise<void> => {
    const next = createServer((req, res) => {
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: { ...req.headers } });
      if (hook?.(req, res)) return;
      handle(req, res);
    });
    await new Promise<void>((resolve, reject) => {
      next.once('error', reject);
      next.listen(port, '127.0.0.1', () => {
        next.off('error', reject);
        resolve();
      });
    });
    port = (next.address() as AddressInfo).port;
    server = next;
  };

  const stop = async (): Promise<void> => {
    const current = server;
    if (!current) return;
    server = null;
    const closed = new Promise<void>((resolve) => current.close(() => resolve()));
    current.closeAllConnections();
    await closed;
  };

  await listen();
  const endpoint = `http://127.0.0.1:${port}`;

  return {
    endpoint,
    bucket,
    directory: dataDir,
    env: {
      AWS_ENDPOINT_URL_S3: endpoint,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
    },
    requests,
    setHook(next) {
      hook = next;
    },
    stop,
    async restart() {
      await stop();
      await listen();
    },
    async close() {
      await stop();
      if (ownsDirectory) await rm(dataDir, { recursive: true, force: true });
    },
  };
}
