// Object store on any S3-compatible service (AWS S3, MinIO, s3rver, …) through the AWS SDK v3.
//
// Retries: the SDK's standard retry mode (set explicitly, so AWS_RETRY_MODE or a shared config
// file cannot switch it to adaptive): up to `maxAttempts` attempts per request for throttling,
// 5xx, timeouts and network errors, with exponential backoff and full jitter (random delay up to
// min(20 s, 50 ms · 2^retry)) and a client-wide retry budget. The SDK refuses to retry a request
// whose body is a stream, so single PUTs from a file are retried by `withRetries` with the same
// schedule, reopening the file each time.
//
// Integrity: every PUT and every multipart part carries Content-MD5, which S3 verifies against
// the bytes it received. The object's SHA-256 goes in user metadata (`x-amz-meta-sha256`) so head
// can report it, and after every upload a HEAD checks size and SHA-256. The SDK's newer flexible
// checksums are kept to "when required": for streamed bodies they switch to aws-chunked encoding
// with trailing checksums, which some S3-compatible servers (s3rver) store as part of the object.
//
// Create-only: a HEAD decides first (identical SHA-256 → created:false, different → CONFLICT);
// the PUT then carries `If-None-Match: *` so S3 itself refuses to overwrite an object another
// process created meanwhile. Servers that ignore that header (s3rver) still get per-process
// serialisation of writers of one key.

import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { GetObjectCommandOutput, HeadObjectCommandOutput, S3ClientConfig } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { format } from 'node:util';

import { CadenceError } from '../errors/cadence-error.ts';
import { abortedError } from './abort.ts';
import { digestBytes, digestFile, digestStream, DigestingStream, isSha256Hex, readAll, sourceError } from './content-hash.ts';
import type { ContentDigest } from './content-hash.ts';
import { withKeyLock } from './keyed-lock.ts';
import { assertValidKey, assertValidPrefix } from './object-key.ts';
import { withRetries } from './retry-backoff.ts';
import { isCreateConflict, isMissingObject, toStoreError } from './s3-errors.ts';
import type { ByteRange, GetResult, ObjectInfo, ObjectStore, PutOptions, PutResult, StoreLogger } from './types.ts';

const MiB = 1024 * 1024;

export interface S3ObjectStoreOptions {
  bucket: string;
  /** Key prefix inside the bucket, without leading or trailing `/` ('' for none). */
  prefix?: string;
  /** Default `us-east-1`. */
  region?: string;
  /** Custom endpoint (MinIO, s3rver, …); the edge reads AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL. */
  endpoint?: string;
  /** Path-style addressing; default true when an endpoint is given. */
  forcePathStyle?: boolean;
  /** Explicit credentials or a provider; default: the SDK's provider chain. */
  credentials?: S3ClientConfig['credentials'];
  /** Attempts per request, first one included. Default 5. */
  maxAttempts?: number;
  /** Files larger than this go through multipart upload. Default 16 MiB. */
  multipartThreshold?: number;
  /** Multipart part size (S3 minimum 5 MiB). Default 8 MiB. */
  partSize?: number;
  /** Parts in flight (memory ≈ partSize × (queueSize + 1)). Default 3. */
  queueSize?: number;
  /** ListObjectsV2 page size (S3 caps it at 1000). Default 1000. */
  listPageSize?: number;
  /** TCP connect timeout. Default 10 s. */
  connectTimeoutMs?: number;
  /** A socket idle for this long fails the request (then retried). Default 120 s. */
  idleTimeoutMs?: number;
  /** Send `If-None-Match: *` on creates. Default true; turn off for services that reject it. */
  conditionalWrites?: boolean;
  logger?: StoreLogger;
}

export class S3ObjectStore implements ObjectStore {
  readonly url: string;
  readonly bucket: string;
  readonly prefix: string;
  readonly #client: S3Client;
  readonly #logger: StoreLogger | undefined;
  readonly #maxAttempts: number;
  readonly #multipartThreshold: number;
  readonly #partSize: number;
  readonly #queueSize: number;
  readonly #listPageSize: number;
  readonly #conditionalWrites: boolean;
  readonly #lockScope: string;

  constructor(options: S3ObjectStoreOptions) {
    const {
      bucket,
      prefix = '',
      region = 'us-east-1',
      endpoint,
      forcePathStyle = endpoint !== undefined,
      credentials,
      maxAttempts = 5,
      multipartThreshold = 16 * MiB,
      partSize = 8 * MiB,
      queueSize = 3,
      listPageSize = 1000,
      connectTimeoutMs = 10_000,
      idleTimeoutMs = 120_000,
      conditionalWrites = true,
      logger,
    } = options;
    checkInteger('maxAttempts', maxAttempts, 1);
    checkInteger('multipartThreshold', multipartThreshold, 0);
    checkInteger('partSize', partSize, 5 * MiB);
    checkInteger('queueSize', queueSize, 1);
    checkInteger('listPageSize', listPageSize, 1);
    this.bucket = bucket;
    this.prefix = prefix.replace(/^\/+|\/+$/g, '');
    this.url = `s3://${bucket}${this.prefix ? `/${this.prefix}` : ''}`;
    this.#logger = logger;
    this.#maxAttempts = maxAttempts;
    this.#multipartThreshold = multipartThreshold;
    this.#partSize = partSize;
    this.#queueSize = queueSize;
    this.#listPageSize = Math.min(1000, listPageSize);
    this.#conditionalWrites = conditionalWrites;
    this.#lockScope = `${endpoint ?? 'aws'}|${region}|${bucket}`;
    this.#client = new S3Client({
      region,
      ...(endpoint !== undefined && { endpoint }),
      forcePathStyle,
      ...(credentials !== undefined && { credentials }),
      maxAttempts,
      retryMode: 'standard',
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      requestHandler: { connectionTimeout: connectTimeoutMs, socketTimeout: idleTimeoutMs },
      // Without a logger the SDK falls back to console for some warnings.
      logger: sdkLogger(logger),
    });
    this.#client.middlewareStack.add((next, context) => async (args) => {
      addContentMd5(context.commandName, args.request);
      return next(args);
    }, { step: 'build', name: 'cadenceContentMd5', override: true });
  }

  async putBytes(key: string, body: Buffer | string, options: PutOptions = {}): Promise<PutResult> {
    assertValidKey(key);
    if (options.signal?.aborted) throw abortedError(`put ${this.#where(key)}`, options.signal.reason);
    const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
    const digest = digestBytes(bytes);
    return this.#createOnly(key, digest, options, async () => {
      // Buffered body: the SDK retries this one itself.
      await this.#client.send(new PutObjectCommand({ ...this.#putParams(key, digest, options), Body: bytes }), {
        abortSignal: options.signal,
      });
    });
  }

  async putFile(key: string, path: string, options: PutOptions = {}): Promise<PutResult> {
    assertValidKey(key);
    if (options.signal?.aborted) throw abortedError(`put ${this.#where(key)}`, options.signal.reason);
    // First pass: the digests must be known before the upload (Content-MD5, sha256 metadata).
    let digest: ContentDigest;
    try {
      digest = await digestFile(path, options.signal);
    } catch (error) {
      throw toStoreError('put', this.#where(key), error, options.signal);
    }
    const upload =
      digest.size > this.#multipartThreshold
        ? () => this.#uploadMultipart(key, path, digest, options)
        : () => this.#uploadSingle(key, path, digest, options);
    return this.#createOnly(key, digest, options, upload);
  }

  async head(key: string): Promise<ObjectInfo | null> {
    assertValidKey(key);
    let output: HeadObjectCommandOutput;
    try {
      output = await this.#client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.#fullKey(key) }));
    } catch (error) {
      if (isMissingObject(error)) return null;
      throw toStoreError('head', this.#where(key), error);
    }
    const sha256 = output.Metadata?.sha256;
    return {
      key,
      size: output.ContentLength ?? 0,
      sha256: isSha256Hex(sha256) ? sha256 : null,
      etag: unquote(output.ETag),
      lastModified: output.LastModified ?? new Date(0),
    };
  }

  async get(key: string, range?: ByteRange): Promise<GetResult> {
    assertValidKey(key);
    if (range) checkRangeShape(this.#where(key), range);
    let output: GetObjectCommandOutput;
    try {
      output = await this.#client.send(
        new GetObjectCommand({
          Bucket: this.bucket,
          Key: this.#fullKey(key),
          ...(range && { Range: `bytes=${range.start}-${range.end}` }),
        }),
      );
    } catch (error) {
      throw toStoreError('get', this.#where(key), error);
    }
    let body = output.Body instanceof Readable ? output.Body : Readable.from([]);
    let size = output.ContentLength ?? 0;
    const served = parseContentRange(output.ContentRange);
    if (range) {
      const wanted = range.end - range.start + 1;
      if (!served || served.start !== range.start || served.end < range.end) {
        // S3 clamps a range that runs past the end; the contract wants exactly what was asked.
        body.destroy();
        throw new CadenceError(
          'BAD_INPUT',
          `${this.#where(key)}: byte range ${range.start}-${range.end} is outside the object (${served?.total ?? '?'} bytes)`,
        );
      }
      if (served.end > range.end) {
        // The server sent more than asked (s3rver reads "bytes=0-0" as "bytes=0-"): cut it.
        body = takeBytes(body, wanted);
        size = wanted;
      }
    }
    return {
      body,
      size,
      totalSize: served?.total ?? size,
      etag: unquote(output.ETag),
      contentType: output.ContentType ?? null,
    };
  }

  async getBytes(key: string, range?: ByteRange): Promise<Buffer> {
    const { body } = await this.get(key, range);
    return readAll(body as AsyncIterable<Buffer>, (error) => toStoreError('get', this.#where(key), error));
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    assertValidPrefix(prefix);
    const base = this.prefix ? `${this.prefix}/` : '';
    let token: string | undefined;
    do {
      let page;
      try {
        page = await this.#client.send(
          new ListObjectsV2Command({
            Bucket: this.bucket,
            Prefix: base + prefix,
            MaxKeys: this.#listPageSize,
            ContinuationToken: token,
          }),
        );
      } catch (error) {
        throw toStoreError('list', `${this.url} prefix ${JSON.stringify(prefix)}`, error);
      }
      for (const item of page.Contents ?? []) {
        if (!item.Key?.startsWith(base)) continue;
        yield {
          key: item.Key.slice(base.length),
          size: item.Size ?? 0,
          // Listings carry no user metadata; head(key) has the SHA-256.
          sha256: null,
          etag: unquote(item.ETag),
          lastModified: item.LastModified ?? new Date(0),
        };
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  async delete(key: string): Promise<void> {
    assertValidKey(key);
    try {
      await this.#client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.#fullKey(key) }));
    } catch (error) {
      if (isMissingObject(error)) return;
      throw toStoreError('delete', this.#where(key), error);
    }
  }

  async close(): Promise<void> {
    this.#client.destroy();
  }

  // --- create-only ------------------------------------------------------------------------------

  async #createOnly(key: string, digest: ContentDigest, options: PutOptions, upload: () => Promise<void>): Promise<PutResult> {
    const where = this.#where(key);
    const result: PutResult = { created: true, sha256: digest.sha256, size: digest.size };
    return withKeyLock(`${this.#lockScope}|${this.#fullKey(key)}`, async () => {
      const existing = await this.head(key);
      if (existing) return { ...result, created: !(await this.#assertSameContent(key, existing, digest)) };
      try {
        await upload();
      } catch (error) {
        if (!isCreateConflict(error)) throw toStoreError('put', where, error, options.signal);
        // Another writer created it between our HEAD and PUT.
        const winner = await this.head(key);
        if (!winner) throw toStoreError('put', where, error, options.signal);
        return { ...result, created: !(await this.#assertSameContent(key, winner, digest)) };
      }
      await this.#verifyStored(key, digest);
      return result;
    });
  }

  /** True when the stored object has our content; CONFLICT otherwise. */
  async #assertSameContent(key: string, existing: ObjectInfo, digest: ContentDigest): Promise<true> {
    let stored = existing.sha256;
    if (stored === null && existing.size === digest.size) {
      // Written by other tooling without our metadata: hash it once to compare.
      stored = (await digestStream((await this.get(key)).body)).sha256;
    }
    if (stored !== digest.sha256) {
      throw new CadenceError(
        'CONFLICT',
        `${this.#where(key)} already exists with different content (stored ${stored ? `sha256 ${stored}` : `${existing.size} bytes`}, new sha256 ${digest.sha256})`,
      );
    }
    this.#logger?.debug({ store: this.url, key }, 'identical object already stored');
    return true;
  }

  /** Read-after-write check: the object must now be ours, whole. */
  async #verifyStored(key: string, digest: ContentDigest): Promise<void> {
    const stored = await this.head(key);
    if (!stored || stored.size !== digest.size) {
      throw new CadenceError(
        'STORAGE',
        `S3 put ${this.#where(key)}: the stored object is ${stored ? `${stored.size} bytes` : 'missing'} after upload, expected ${digest.size}`,
      );
    }
    if (stored.sha256 === null) {
      this.#logger?.warn({ store: this.url, key }, 'the S3 service dropped the sha256 metadata');
    } else if (stored.sha256 !== digest.sha256) {
      // Only possible where If-None-Match is ignored: another process overwrote our object.
      throw new CadenceError('CONFLICT', `${this.#where(key)} was overwritten by another writer with different content`);
    }
  }

  // --- uploads ----------------------------------------------------------------------------------

  #putParams(key: string, digest: ContentDigest, { contentType = 'application/octet-stream' }: PutOptions) {
    return {
      Bucket: this.bucket,
      Key: this.#fullKey(key),
      ContentLength: digest.size,
      ContentMD5: digest.md5,
      ContentType: contentType,
      Metadata: { sha256: digest.sha256 },
      ...(this.#conditionalWrites && { IfNoneMatch: '*' }),
    };
  }

  async #uploadSingle(key: string, path: string, digest: ContentDigest, options: PutOptions): Promise<void> {
    const { signal } = options;
    await withRetries(
      async () => {
        const { source, body } = digestingFileStream(path);
        try {
          await this.#client.send(new PutObjectCommand({ ...this.#putParams(key, digest, options), Body: body }), {
            abortSignal: signal,
          });
        } finally {
          source.destroy();
        }
        await this.#assertUnchangedSource(key, path, digest, body.digest());
      },
      {
        maxAttempts: this.#maxAttempts,
        signal,
        onRetry: (error, attempt, delayMs) =>
          this.#logger?.warn({ store: this.url, key, attempt, delayMs, err: error }, 'S3 put failed, retrying'),
      },
    );
  }

  /** Multipart through lib-storage: bounded memory (parts in flight), each part retried by the SDK. */
  async #uploadMultipart(key: string, path: string, digest: ContentDigest, options: PutOptions): Promise<void> {
    const { signal } = options;
    const { source, body } = digestingFileStream(path);
    const abortController = new AbortController();
    const onAbort = (): void => abortController.abort(signal?.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    const { ContentMD5: _wholeObjectMd5, ...params } = this.#putParams(key, digest, options);
    try {
      const upload = new Upload({
        client: this.#client,
        // Part MD5s are added per request by contentMd5ForBufferedBodies.
        params: { ...params, Body: body },
        partSize: this.#partSize,
        queueSize: this.#queueSize,
        leavePartsOnError: false,
        abortController,
      });
      await upload.done();
    } finally {
      signal?.removeEventListener('abort', onAbort);
      source.destroy();
    }
    await this.#assertUnchangedSource(key, path, digest, body.digest());
  }

  /** The file was digested before the upload; if other bytes went out, take the object back. */
  async #assertUnchangedSource(key: string, path: string, before: ContentDigest, sent: ContentDigest): Promise<void> {
    if (sent.sha256 === before.sha256 && sent.size === before.size) return;
    await this.delete(key).catch(() => undefined);
    throw new CadenceError('STORAGE', `S3 put ${this.#where(key)}: source file ${path} changed during the upload`);
  }

  #fullKey(key: string): string {
    return this.prefix ? `${this.prefix}/${key}` : key;
  }

  #where(key: string): string {
    return `s3://${this.bucket}/${this.#fullKey(key)}`;
  }
}

// --- helpers ------------------------------------------------------------------------------------

/** A file stream whose bytes are digested as the upload reads them. */
function digestingFileStream(path: string): { source: Readable; body: DigestingStream } {
  const source = createReadStream(path, { highWaterMark: 1 * MiB });
  const body = new DigestingStream();
  source.on('error', (error) => body.destroy(sourceError(path, error) as Error));
  source.pipe(body);
  return { source, body };
}

/**
 * Adds Content-MD5 to PutObject and UploadPart requests whose body is in memory (lib-storage's
 * parts) when none is set, so S3 rejects a part damaged in transit. Runs in the build step,
 * before signing, once per command (retries resend the same headers).
 */
function addContentMd5(command: string | undefined, rawRequest: unknown): void {
  const request = rawRequest as { headers?: Record<string, string>; body?: unknown } | undefined;
  if (
    (command === 'UploadPartCommand' || command === 'PutObjectCommand') &&
    request?.headers &&
    request.body instanceof Uint8Array &&
    !Object.keys(request.headers).some((name) => name.toLowerCase() === 'content-md5')
  ) {
    request.headers['content-md5'] = createHash('md5').update(request.body).digest('base64');
  }
}

function sdkLogger(logger: StoreLogger | undefined) {
  const emit = (level: 'warn' | 'error') => (...content: unknown[]) => logger?.[level]({ component: 'aws-sdk' }, format(...content));
  const ignore = (): void => {};
  return { trace: ignore, debug: ignore, info: ignore, warn: emit('warn'), error: emit('error') };
}

/** The first `length` bytes of `source`; the rest is never read (the source is destroyed). */
function takeBytes(source: Readable, length: number): Readable {
  return Readable.from(
    (async function* () {
      let left = length;
      for await (const chunk of source as AsyncIterable<Buffer>) {
        if (chunk.length >= left) {
          yield chunk.subarray(0, left);
          return;
        }
        left -= chunk.length;
        yield chunk;
      }
    })(),
    { objectMode: false },
  );
}

function unquote(etag: string | undefined): string {
  return (etag ?? '').replace(/^W\//, '').replace(/"/g, '');
}

function parseContentRange(header: string | undefined): { start: number; end: number; total: number } | null {
  const match = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(header ?? '');
  return match ? { start: Number(match[1]), end: Number(match[2]), total: Number(match[3]) } : null;
}

function checkRangeShape(where: string, { start, end }: ByteRange): void {
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end < start) {
    throw new CadenceError('BAD_INPUT', `${where}: invalid byte range ${start}-${end}`);
  }
}

function checkInteger(name: string, value: number, min: number): void {
  if (!Number.isSafeInteger(value) || value < min) {
    throw new CadenceError('BAD_INPUT', `S3 store option ${name} must be an integer ≥ ${min}, got ${value}`);
  }
}
