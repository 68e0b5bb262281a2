// Object store on a local folder. Keys map to files under the root; bookkeeping lives in the
// reserved `<root>/.cadence/` folder (temp files, and one JSON sidecar per object holding its
// SHA-256 and content type), which `list` never shows.
//
// Create-only puts are atomic across processes: the content is written and fsynced to a temp
// file first, then hard-linked to its final name. link() fails with EEXIST when another writer
// got there first, so a reader never sees a partial object and two writers cannot both win.

import { createHash, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { Stats } from 'node:fs';
import { link, mkdir, open, readdir, readFile, rename, rm, rmdir, stat, unlink } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Readable } from 'node:stream';

import { CadenceError } from '../errors/cadence-error.ts';
import { abortedError, isAbortError } from './abort.ts';
import { digestStream, isSha256Hex, readAll, sourceError } from './content-hash.ts';
import { assertValidKey, assertValidPrefix, compareKeys, RESERVED_SEGMENT } from './object-key.ts';
import type { ByteRange, GetResult, ObjectInfo, ObjectStore, PutOptions, PutResult, StoreLogger } from './types.ts';

export interface FsObjectStoreOptions {
  /** Absolute path of the store's root folder (created on first put). */
  root: string;
  logger?: StoreLogger;
}

const DEFAULT_CONTENT_TYPE = 'application/octet-stream';

/** What we record beside each object. ino/size/mtime tie the record to one file version. */
interface Sidecar {
  sha256: string;
  size: number;
  ino: number;
  mtimeMs: number;
  contentType: string;
}

interface StoredFacts {
  stats: Stats;
  sidecar: Sidecar | null;
}

type Chunks = AsyncIterable<Uint8Array> | Iterable<Uint8Array>;

export class FsObjectStore implements ObjectStore {
  readonly url: string;
  readonly root: string;
  readonly #logger: StoreLogger | undefined;
  readonly #tmpDir: string;
  readonly #metaDir: string;

  constructor({ root, logger }: FsObjectStoreOptions) {
    this.root = root;
    this.url = pathToFileURL(root).href;
    this.#logger = logger;
    this.#tmpDir = join(root, RESERVED_SEGMENT, 'tmp');
    this.#metaDir = join(root, RESERVED_SEGMENT, 'meta');
  }

  async putFile(key: string, path: string, options: PutOptions = {}): Promise<PutResult> {
    assertValidKey(key);
    return this.#put(key, () => createReadStream(path, { highWaterMark: 1 << 20 }), options, path);
  }

  async putBytes(key: string, body: Buffer | string, options: PutOptions = {}): Promise<PutResult> {
    assertValidKey(key);
    const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
    return this.#put(key, () => [bytes], options);
  }

  async head(key: string): Promise<ObjectInfo | null> {
    assertValidKey(key);
    const facts = await this.#facts(key, 'head');
    return facts && this.#info(key, facts);
  }

  async get(key: string, range?: ByteRange): Promise<GetResult> {
    assertValidKey(key);
    const path = this.#objectPath(key);
    let handle: FileHandle;
    try {
      handle = await open(path, 'r');
    } catch (error) {
      if (isMissing(error)) throw notFound(this.url, key);
      throw this.#error('get', key, error);
    }
    try {
      const stats = await handle.stat();
      if (!stats.isFile()) throw notFound(this.url, key);
      const { start, end } = range ? checkRange(this.url, key, range, stats.size) : { start: 0, end: stats.size - 1 };
      const sidecar = await this.#sidecar(key, stats);
      let body: Readable;
      if (end < start) {
        body = Readable.from([]); // empty object
        await handle.close();
      } else {
        // The stream owns the handle from here on and closes it when it ends or is destroyed.
        body = handle.createReadStream({ start, end, highWaterMark: 1 << 20 });
      }
      return {
        body,
        size: end - start + 1,
        totalSize: stats.size,
        etag: etagOf(stats, sidecar),
        contentType: sidecar?.contentType ?? null,
      };
    } catch (error) {
      await handle.close();
      if (error instanceof CadenceError) throw error;
      throw this.#error('get', key, error);
    }
  }

  async getBytes(key: string, range?: ByteRange): Promise<Buffer> {
    const { body } = await this.get(key, range);
    return readAll(body as AsyncIterable<Buffer>, (error) => this.#error('get', key, error));
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    assertValidPrefix(prefix);
    // Start in the deepest folder the prefix names completely; the partial tail filters names.
    const startParts = prefix.split('/').slice(0, -1);
    yield* this.#walk(startParts, prefix);
  }

  async delete(key: string): Promise<void> {
    assertValidKey(key);
    // Sidecar first: a crash in between leaves an object without a record, never a stale record.
    try {
      await rm(this.#sidecarPath(key), { force: true });
      await unlink(this.#objectPath(key)).catch((error: unknown) => {
        if (!isMissing(error) && !isDirectory(error)) throw error;
      });
      await this.#pruneEmptyFolders(key);
    } catch (error) {
      throw this.#error('delete', key, error);
    }
  }

  // --- puts -------------------------------------------------------------------------------------

  async #put(key: string, source: () => Chunks, options: PutOptions, sourcePath?: string): Promise<PutResult> {
    const { signal, contentType = DEFAULT_CONTENT_TYPE } = options;
    const what = `${this.url} ${key}`;
    if (signal?.aborted) throw abortedError(`put ${what}`, signal.reason);
    const tmp = join(this.#tmpDir, randomUUID());
    try {
      await mkdir(this.#tmpDir, { recursive: true });
      const written = await writeTempFile(tmp, source, signal, sourcePath);
      const created = await this.#linkCreateOnly(key, tmp);
      if (!created) {
        const existing = await this.#existingSha256(key);
        if (existing !== written.sha256) {
          throw new CadenceError(
            'CONFLICT',
            `${what} already exists with different content (stored sha256 ${existing}, new ${written.sha256})`,
          );
        }
        this.#logger?.debug({ store: this.url, key }, 'identical object already stored');
        return { created: false, sha256: written.sha256, size: written.size };
      }
      await this.#writeSidecar(key, { ...written, contentType });
      return { created: true, sha256: written.sha256, size: written.size };
    } catch (error) {
      if (error instanceof CadenceError) throw error;
      if (isAbortError(error, signal)) throw abortedError(`put ${what}`, error);
      throw this.#error('put', key, error);
    } finally {
      await rm(tmp, { force: true });
    }
  }

  /** True when our temp file became the object; false when something already has the name. */
  async #linkCreateOnly(key: string, tmp: string): Promise<boolean> {
    const target = this.#objectPath(key);
    // A concurrent delete may prune the folder between mkdir and link: try again a few times.
    for (let attempt = 1; ; attempt++) {
      await this.#mkdirFor(key, target);
      try {
        await link(tmp, target);
        await fsyncFolder(dirname(target));
        return true;
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'EEXIST') return false;
        if (code === 'ENOENT' && attempt < 3) continue;
        throw error;
      }
    }
  }

  async #mkdirFor(key: string, target: string): Promise<void> {
    try {
      await mkdir(dirname(target), { recursive: true });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EEXIST' || code === 'ENOTDIR') {
        // On disk a key cannot be both an object and a folder of other objects.
        throw new CadenceError('CONFLICT', `${this.url} ${key}: a parent of this key is already an object`, {
          cause: error,
        });
      }
      throw error;
    }
  }

  /** The stored object's SHA-256: from its sidecar when current, otherwise by reading it. */
  async #existingSha256(key: string): Promise<string> {
    const facts = await this.#facts(key, 'put');
    if (!facts) {
      throw new CadenceError('CONFLICT', `${this.url} ${key}: a folder of other objects already has this name`);
    }
    if (facts.sidecar) return facts.sidecar.sha256;
    const digest = await digestStream(createReadStream(this.#objectPath(key), { highWaterMark: 1 << 20 }));
    return digest.sha256;
  }

  async #writeSidecar(key: string, record: Sidecar): Promise<void> {
    const path = this.#sidecarPath(key);
    const tmp = join(this.#tmpDir, `${randomUUID()}.json`);
    try {
      await mkdir(dirname(path), { recursive: true });
      await writeFileSynced(tmp, JSON.stringify(record));
      await rename(tmp, path);
    } catch (error) {
      // The object is complete without its record; head reports sha256 null until the next put.
      await rm(tmp, { force: true });
      this.#logger?.warn({ store: this.url, key, err: error }, 'could not record object checksum');
    }
  }

  // --- reads ------------------------------------------------------------------------------------

  async #facts(key: string, operation: string): Promise<StoredFacts | null> {
    let stats: Stats;
    try {
      stats = await stat(this.#objectPath(key));
    } catch (error) {
      if (isMissing(error)) return null;
      throw this.#error(operation, key, error);
    }
    if (!stats.isFile()) return null;
    return { stats, sidecar: await this.#sidecar(key, stats) };
  }

  /** The sidecar when it describes exactly this file, else null (missing, torn or stale). */
  async #sidecar(key: string, stats: Stats): Promise<Sidecar | null> {
    let record: Partial<Sidecar>;
    try {
      record = JSON.parse(await readFile(this.#sidecarPath(key), 'utf8')) as Partial<Sidecar>;
    } catch {
      return null;
    }
    const current =
      isSha256Hex(record.sha256) &&
      record.size === stats.size &&
      record.ino === stats.ino &&
      record.mtimeMs === stats.mtimeMs &&
      typeof record.contentType === 'string';
    return current ? (record as Sidecar) : null;
  }

  #info(key: string, { stats, sidecar }: StoredFacts): ObjectInfo {
    return {
      key,
      size: stats.size,
      sha256: sidecar?.sha256 ?? null,
      etag: etagOf(stats, sidecar),
      lastModified: stats.mtime,
    };
  }

  async *#walk(parts: string[], prefix: string): AsyncGenerator<ObjectInfo> {
    const folder = join(this.root, ...parts);
    let entries;
    try {
      entries = await readdir(folder, { withFileTypes: true });
    } catch (error) {
      if (isMissing(error)) return;
      throw this.#error('list', prefix, error);
    }
    // A folder sorts as "name/": that is where its keys fall among its siblings in key order.
    const named = entries
      .filter((entry) => entry.isFile() || entry.isDirectory())
      .filter((entry) => !(parts.length === 0 && entry.name === RESERVED_SEGMENT))
      .map((entry) => ({ entry, sortKey: entry.isDirectory() ? `${entry.name}/` : entry.name }))
      .sort((a, b) => compareKeys(a.sortKey, b.sortKey));
    for (const { entry, sortKey } of named) {
      const key = [...parts, sortKey].join('/');
      if (entry.isDirectory()) {
        if (key.startsWith(prefix) || prefix.startsWith(key)) yield* this.#walk([...parts, entry.name], prefix);
      } else if (key.startsWith(prefix)) {
        const facts = await this.#facts(key, 'list');
        if (facts) yield this.#info(key, facts); // gone since readdir: skip
      }
    }
  }

  async #pruneEmptyFolders(key: string): Promise<void> {
    const parts = key.split('/').slice(0, -1);
    for (const base of [this.root, this.#metaDir]) {
      for (let depth = parts.length; depth > 0; depth--) {
        try {
          await rmdir(join(base, ...parts.slice(0, depth)));
        } catch {
          break; // not empty (or already gone): its parents are not empty either
        }
      }
    }
  }

  #objectPath(key: string): string {
    return join(this.root, ...key.split('/'));
  }

  #sidecarPath(key: string): string {
    return join(this.#metaDir, ...key.split('/'));
  }

  #error(operation: string, key: string, error: unknown): CadenceError {
    if (error instanceof CadenceError) return error;
    const reason = (error as NodeJS.ErrnoException | null)?.code ?? (error as Error | null)?.message ?? String(error);
    return new CadenceError('STORAGE', `${operation} ${this.url} ${key} failed: ${reason}`, { cause: error });
  }
}

// --- helpers ------------------------------------------------------------------------------------

/** Streams the source into a new temp file, digesting it, and makes it durable. */
async function writeTempFile(
  tmp: string,
  source: () => Chunks,
  signal: AbortSignal | undefined,
  sourcePath: string | undefined,
): Promise<Omit<Sidecar, 'contentType'>> {
  const handle = await open(tmp, 'wx');
  try {
    const digesting = new DigestSink(handle);
    let chunks: Chunks;
    try {
      chunks = source();
      for await (const chunk of chunks) {
        signal?.throwIfAborted();
        await digesting.write(chunk);
      }
    } catch (error) {
      throw sourcePath && !isAbortError(error, signal) ? sourceError(sourcePath, error) : error;
    }
    await handle.sync();
    const stats = await handle.stat();
    return { sha256: digesting.sha256(), size: stats.size, ino: stats.ino, mtimeMs: stats.mtimeMs };
  } finally {
    await handle.close();
  }
}

/** Writes chunks fully to a file handle while hashing them. */
class DigestSink {
  readonly #handle: FileHandle;
  readonly #hash = createHash('sha256');

  constructor(handle: FileHandle) {
    this.#handle = handle;
  }

  async write(chunk: Uint8Array): Promise<void> {
    this.#hash.update(chunk);
    let offset = 0;
    while (offset < chunk.length) {
      const { bytesWritten } = await this.#handle.write(chunk, offset, chunk.length - offset);
      offset += bytesWritten;
    }
  }

  sha256(): string {
    return this.#hash.digest('hex');
  }
}

async function writeFileSynced(path: string, text: string): Promise<void> {
  const handle = await open(path, 'wx');
  try {
    await handle.writeFile(text, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Makes a new directory entry durable (best effort: not every filesystem allows it). */
async function fsyncFolder(path: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(path, 'r');
    await handle.sync();
  } catch {
    // Durability of the name is a bonus; the content itself was already fsynced.
  } finally {
    await handle?.close();
  }
}

function etagOf(stats: Stats, sidecar: Sidecar | null): string {
  return sidecar ? sidecar.sha256 : `${stats.size.toString(16)}-${Math.floor(stats.mtimeMs).toString(16)}`;
}

function checkRange(url: string, key: string, range: ByteRange, size: number): ByteRange {
  const { start, end } = range;
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end < start || end >= size) {
    throw new CadenceError('BAD_INPUT', `${url} ${key}: byte range ${start}-${end} is outside the object (${size} bytes)`);
  }
  return range;
}

function notFound(url: string, key: string): CadenceError {
  return new CadenceError('NOT_FOUND', `${url} ${key}: no such object`);
}

function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

function isDirectory(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return code === 'EISDIR' || code === 'EPERM';
}
