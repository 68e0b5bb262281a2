// Content digests computed while bytes stream past, so no driver ever holds a whole file.

import { createHash } from 'node:crypto';
import type { Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { Transform } from 'node:stream';
import type { Readable } from 'node:stream';

import { CadenceError } from '../errors/cadence-error.ts';

export interface ContentDigest {
  /** Hex SHA-256. */
  sha256: string;
  /** Base64 MD5, the form S3's Content-MD5 header takes. */
  md5: string;
  size: number;
}

export const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

const SHA256_HEX = /^[0-9a-f]{64}$/;

export function isSha256Hex(value: unknown): value is string {
  return typeof value === 'string' && SHA256_HEX.test(value);
}

export function digestBytes(body: Buffer): ContentDigest {
  return {
    sha256: createHash('sha256').update(body).digest('hex'),
    md5: createHash('md5').update(body).digest('base64'),
    size: body.length,
  };
}

/** Feeds every chunk into SHA-256 and MD5 on its way through. */
export class DigestingStream extends Transform {
  readonly #sha256: Hash = createHash('sha256');
  readonly #md5: Hash = createHash('md5');
  #size = 0;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null, data?: Buffer) => void): void {
    this.#sha256.update(chunk);
    this.#md5.update(chunk);
    this.#size += chunk.length;
    callback(null, chunk);
  }

  /** Valid once the stream has ended; call once. */
  digest(): ContentDigest {
    return { sha256: this.#sha256.digest('hex'), md5: this.#md5.digest('base64'), size: this.#size };
  }
}

/** Digests a readable to its end (the stream is consumed). */
export async function digestStream(body: Readable, signal?: AbortSignal): Promise<ContentDigest> {
  const sha256 = createHash('sha256');
  const md5 = createHash('md5');
  let size = 0;
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      signal?.throwIfAborted();
      sha256.update(chunk);
      md5.update(chunk);
      size += chunk.length;
    }
  } finally {
    body.destroy();
  }
  return { sha256: sha256.digest('hex'), md5: md5.digest('base64'), size };
}

/** Digests a local file; a missing or unreadable source is the caller's mistake (BAD_INPUT). */
export async function digestFile(path: string, signal?: AbortSignal): Promise<ContentDigest> {
  try {
    return await digestStream(createReadStream(path, { highWaterMark: 1 << 20 }), signal);
  } catch (error) {
    throw sourceError(path, error);
  }
}

export function sourceError(path: string, error: unknown): unknown {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  if (code === 'ENOENT' || code === 'EISDIR' || code === 'EACCES' || code === 'ENOTDIR') {
    return new CadenceError('BAD_INPUT', `cannot read source file ${path}: ${code}`, { cause: error });
  }
  return error;
}

/** Reads a whole (small) body into one buffer; `wrap` turns a read failure into our error. */
export async function readAll(body: AsyncIterable<unknown>, wrap: (error: unknown) => Error): Promise<Buffer> {
  const chunks: Buffer[] = [];
  try {
    for await (const chunk of body) chunks.push(chunk as Buffer);
  } catch (error) {
    throw wrap(error);
  }
  return Buffer.concat(chunks);
}
