// The object-store contract shared by the filesystem and S3 drivers. Objects are immutable:
// puts are create-only, and writing the same key again is accepted only with identical content.

import type { Readable } from 'node:stream';

export interface ObjectInfo {
  key: string;
  size: number;
  /** Hex SHA-256 of the content, when the store knows it (recorded at put time). */
  sha256: string | null;
  /** Strong validator for HTTP (opaque, quoted form is the caller's job). */
  etag: string;
  lastModified: Date;
}

export interface PutOptions {
  contentType?: string;
  signal?: AbortSignal;
}

export interface PutResult {
  /** False when an identical object was already there. */
  created: boolean;
  sha256: string;
  size: number;
}

/** Inclusive byte range, already validated against the object size by the caller. */
export interface ByteRange {
  start: number;
  end: number;
}

export interface GetResult {
  body: Readable;
  /** Bytes in `body`. */
  size: number;
  /** Size of the whole object. */
  totalSize: number;
  etag: string;
  contentType: string | null;
}

export interface ObjectStore {
  /** `file:///abs/path` or `s3://bucket/prefix`, for messages and logs. */
  readonly url: string;
  /**
   * Create-only put from a local file (streamed, never buffered whole). Existing object with the
   * same SHA-256 → `{ created: false }`; with different content → CadenceError `CONFLICT`.
   */
  putFile(key: string, path: string, options?: PutOptions): Promise<PutResult>;
  putBytes(key: string, body: Buffer | string, options?: PutOptions): Promise<PutResult>;
  /** null when absent. */
  head(key: string): Promise<ObjectInfo | null>;
  /** CadenceError `NOT_FOUND` when absent. A range is read as a ranged read, never the whole object. */
  get(key: string, range?: ByteRange): Promise<GetResult>;
  getBytes(key: string, range?: ByteRange): Promise<Buffer>;
  /** Every object whose key starts with `prefix`, in key order. */
  list(prefix: string): AsyncIterable<ObjectInfo>;
  /** Idempotent. */
  delete(key: string): Promise<void>;
  close?(): Promise<void>;
}

/** The slice of pino's interface library code uses; pipeline and origin alias this one definition. */
export interface StoreLogger {
  debug(object: object, message?: string): void;
  info(object: object, message?: string): void;
  warn(object: object, message?: string): void;
  error(object: object, message?: string): void;
  /** pino's: lets a caller skip building a line nobody will see. Assumed true when absent. */
  isLevelEnabled?(level: string): boolean;
}
