// One behaviour suite for every ObjectStore driver. A driver's test file calls
// describeObjectStoreContract with a setup that returns a fresh, empty store.

import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { CadenceError } from '../errors/cadence-error.ts';
import type { ErrorCode } from '../errors/cadence-error.ts';
import type { ObjectInfo, ObjectStore } from './types.ts';

export interface ContractSubject {
  store: ObjectStore;
  teardown(): Promise<void>;
}

/** Size of the large-object case: past any multipart threshold a test setup configures. */
export const LARGE_OBJECT_BYTES = 11 * 1024 * 1024 + 12_345;

const MiB = 1024 * 1024;

export function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

export async function expectCode(promise: Promise<unknown>, code: ErrorCode): Promise<CadenceError> {
  const error = await promise.then(
    () => {
      throw new Error(`expected CadenceError ${code}, but it succeeded`);
    },
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(CadenceError);
  expect((error as CadenceError).code, (error as Error).message).toBe(code);
  return error as CadenceError;
}

/** Every byte value, then random bytes: catches text-mode and encoding mistakes. */
function binaryContent(size: number): Buffer {
  const all = Buffer.alloc(256);
  for (let i = 0; i < 256; i++) all[i] = i;
  return Buffer.concat([all, randomBytes(Math.max(0, size - 256))]).subarray(0, size);
}

export function describeObjectStoreContract(name: string, setup: () => Promise<ContractSubject>): void {
  describe(`ObjectStore contract: ${name}`, () => {
    let subject: ContractSubject;
    let store: ObjectStore;
    let scratch: string;

    beforeEach(async () => {
      subject = await setup();
      store = subject.store;
      scratch = await mkdtemp(join(tmpdir(), 'cadence-contract-'));
    });

    afterEach(async () => {
      await subject.teardown();
      await rm(scratch, { recursive: true, force: true });
    });

    const sourceFile = async (name: string, content: Buffer | string): Promise<string> => {
      const path = join(scratch, name);
      await writeFile(path, content);
      return path;
    };

    describe('put, head, get', () => {
      it('round-trips binary content with its sha256, size and content type', async () => {
        const content = binaryContent(70_000);
        const put = await store.putBytes('tracks/A1/v1/audio.mp4', content, { contentType: 'audio/mp4' });
        expect(put).toEqual({ created: true, sha256: sha256(content), size: content.length });

        const info = await store.head('tracks/A1/v1/audio.mp4');
        expect(info).toMatchObject({ key: 'tracks/A1/v1/audio.mp4', size: content.length, sha256: sha256(content) });
        expect(info!.etag).toMatch(/^[^"\s]+$/);
        expect(info!.lastModified).toBeInstanceOf(Date);
        expect(Math.abs(info!.lastModified.getTime() - Date.now())).toBeLessThan(5 * 60_000);

        const got = await store.get('tracks/A1/v1/audio.mp4');
        expect(got).toMatchObject({ size: content.length, totalSize: content.length, etag: info!.etag, contentType: 'audio/mp4' });
        const chunks: Buffer[] = [];
        for await (const chunk of got.body) chunks.push(chunk as Buffer);
        expect(Buffer.concat(chunks).equals(content)).toBe(true);
        expect((await store.getBytes('tracks/A1/v1/audio.mp4')).equals(content)).toBe(true);
      });

      it('stores strings as UTF-8 and files byte for byte', async () => {
        await store.putBytes('text.json', '{"title":"Präludium ♪"}', { contentType: 'application/json' });
        expect((await store.getBytes('text.json')).toString('utf8')).toBe('{"title":"Präludium ♪"}');

        const content = binaryContent(300_000);
        const put = await store.putFile('from-file.bin', await sourceFile('src.bin', content));
        expect(put).toEqual({ created: true, sha256: sha256(content), size: content.length });
        expect((await store.getBytes('from-file.bin')).equals(content)).toBe(true);
        expect((await store.head('from-file.bin'))?.sha256).toBe(sha256(content));
      });

      it('handles a 0-byte object', async () => {
        const put = await store.putFile('empty.bin', await sourceFile('empty.bin', Buffer.alloc(0)));
        expect(put).toEqual({ created: true, sha256: sha256(''), size: 0 });
        expect(await store.head('empty.bin')).toMatchObject({ size: 0, sha256: sha256('') });
        const got = await store.get('empty.bin');
        expect(got.size).toBe(0);
        expect(got.totalSize).toBe(0);
        expect(Buffer.concat(await collect(got.body as AsyncIterable<Buffer>)).length).toBe(0);
        expect((await store.getBytes('empty.bin')).length).toBe(0);
        expect((await store.putBytes('empty.bin', '')).created).toBe(false);
      });

      it('round-trips a multi-MiB file (the multipart path where the driver has one)', async () => {
        const content = randomBytes(LARGE_OBJECT_BYTES);
        const path = await sourceFile('large.bin', content);
        const put = await store.putFile('large/master.flac', path, { contentType: 'audio/flac' });
        expect(put).toEqual({ created: true, sha256: sha256(content), size: content.length });
        expect(await store.head('large/master.flac')).toMatchObject({ size: content.length, sha256: sha256(content) });
        expect(sha256(await store.getBytes('large/master.flac'))).toBe(sha256(content));
        // A range across the 5 MiB and 8 MiB part boundaries.
        const range = { start: 5 * MiB - 3, end: 8 * MiB + 2 };
        const slice = await store.getBytes('large/master.flac', range);
        expect(slice.equals(content.subarray(range.start, range.end + 1))).toBe(true);
        // Putting the same file again is a no-op.
        expect((await store.putFile('large/master.flac', path)).created).toBe(false);
      });

      it('round-trips keys with spaces, punctuation and non-ASCII characters', async () => {
        const key = 'tracks/Ünïcode name/😀 a+b=c&d (1)~!.mp4';
        await store.putBytes(key, 'x');
        expect((await store.head(key))?.key).toBe(key);
        expect((await store.getBytes(key)).toString()).toBe('x');
        expect((await collect(store.list('tracks/Ünïcode'))).map((o) => o.key)).toEqual([key]);
      });
    });

    describe('create-only', () => {
      it('accepts the same content again without rewriting it', async () => {
        const first = await store.putBytes('a/one', 'same bytes');
        const before = await store.head('a/one');
        const again = await store.putBytes('a/one', Buffer.from('same bytes'));
        expect(again).toEqual({ created: false, sha256: first.sha256, size: first.size });
        const fromFile = await store.putFile('a/one', await sourceFile('one', 'same bytes'));
        expect(fromFile.created).toBe(false);
        expect((await store.head('a/one'))?.etag).toBe(before!.etag);
      });

      it('refuses different content with CONFLICT and leaves the object unchanged', async () => {
        await store.putBytes('a/one', 'original');
        const error = await expectCode(store.putBytes('a/one', 'replacement'), 'CONFLICT');
        expect(error.message).toContain('a/one');
        await expectCode(store.putFile('a/one', await sourceFile('other', 'longer replacement bytes')), 'CONFLICT');
        expect((await store.getBytes('a/one')).toString()).toBe('original');
        expect((await store.head('a/one'))?.sha256).toBe(sha256('original'));
      });

      it('lets two concurrent writers of the same content both succeed, one creating', async () => {
        const content = binaryContent(2 * MiB);
        const [a, b] = [await sourceFile('a', content), await sourceFile('b', content)];
        const results = await Promise.all([store.putFile('race/same', a), store.putFile('race/same', b)]);
        expect(results.filter((r) => r.created)).toHaveLength(1);
        for (const result of results) expect(result).toMatchObject({ sha256: sha256(content), size: content.length });
        expect(sha256(await store.getBytes('race/same'))).toBe(sha256(content));
      });

      it('lets exactly one of two concurrent writers of different content win', async () => {
        const contents = [binaryContent(2 * MiB), binaryContent(2 * MiB)];
        const paths = [await sourceFile('a', contents[0]!), await sourceFile('b', contents[1]!)];
        const settled = await Promise.allSettled(paths.map((path) => store.putFile('race/different', path)));
        const won = settled.flatMap((s, i) => (s.status === 'fulfilled' ? [i] : []));
        expect(won).toHaveLength(1);
        const lost = settled.find((s) => s.status === 'rejected') as PromiseRejectedResult;
        expect(lost.reason).toBeInstanceOf(CadenceError);
        expect((lost.reason as CadenceError).code).toBe('CONFLICT');
        const stored = await store.getBytes('race/different');
        expect(sha256(stored)).toBe(sha256(contents[won[0]!]!));
      });
    });

    describe('ranged reads', () => {
      const content = binaryContent(10_000);
      beforeEach(async () => {
        await store.putBytes('ranged.bin', content);
      });

      it.each([
        ['first byte', 0, 0],
        ['middle', 4_000, 6_499],
        ['last byte', 9_999, 9_999],
        ['whole object as a range', 0, 9_999],
      ])('reads the %s exactly', async (_label, start, end) => {
        const got = await store.get('ranged.bin', { start, end });
        expect(got.size).toBe(end - start + 1);
        expect(got.totalSize).toBe(content.length);
        const bytes = Buffer.concat(await collect(got.body as AsyncIterable<Buffer>));
        expect(bytes.equals(content.subarray(start, end + 1))).toBe(true);
        expect((await store.getBytes('ranged.bin', { start, end })).equals(content.subarray(start, end + 1))).toBe(true);
      });

      it('refuses a range outside the object with BAD_INPUT', async () => {
        await expectCode(store.get('ranged.bin', { start: 9_990, end: 10_000 }), 'BAD_INPUT');
        await expectCode(store.getBytes('ranged.bin', { start: 10_000, end: 10_005 }), 'BAD_INPUT');
      });
    });

    describe('missing objects', () => {
      it('head answers null, get and getBytes NOT_FOUND', async () => {
        expect(await store.head('nothing/here')).toBeNull();
        const error = await expectCode(store.get('nothing/here'), 'NOT_FOUND');
        expect(error.message).toContain('nothing/here');
        await expectCode(store.getBytes('nothing/here'), 'NOT_FOUND');
        await expectCode(store.getBytes('nothing/here', { start: 0, end: 0 }), 'NOT_FOUND');
      });

      it('a key that is only a prefix of other keys is not an object', async () => {
        await store.putBytes('folder/inside', 'x');
        expect(await store.head('folder')).toBeNull();
        await expectCode(store.get('folder'), 'NOT_FOUND');
      });
    });

    describe('list', () => {
      const keys = ['a/1', 'a/2', 'a/b/3', 'a/b/4', 'ab/5', 'b/6', 'b/7/8'];
      beforeEach(async () => {
        for (const key of [...keys].reverse()) await store.putBytes(key, `content of ${key}`);
      });

      const listKeys = async (prefix: string): Promise<string[]> => (await collect(store.list(prefix))).map((o) => o.key);

      it('lists everything in key order, bookkeeping hidden', async () => {
        expect(await listKeys('')).toEqual(keys);
      });

      it('lists only keys under the prefix, at a "/" or mid-segment', async () => {
        expect(await listKeys('a/')).toEqual(['a/1', 'a/2', 'a/b/3', 'a/b/4']);
        expect(await listKeys('a/b')).toEqual(['a/b/3', 'a/b/4']);
        expect(await listKeys('a')).toEqual(['a/1', 'a/2', 'a/b/3', 'a/b/4', 'ab/5']);
        expect(await listKeys('b/7/8')).toEqual(['b/7/8']);
        expect(await listKeys('c')).toEqual([]);
        expect(await listKeys('zz/yy/')).toEqual([]);
      });

      it('reports size, etag, and the sha256 when the listing knows it', async () => {
        const listed: ObjectInfo[] = await collect(store.list('b/'));
        expect(listed).toHaveLength(2);
        for (const info of listed) {
          const content = `content of ${info.key}`;
          expect(info.size).toBe(Buffer.byteLength(content));
          if (info.sha256 !== null) expect(info.sha256).toBe(sha256(content));
          expect(info.etag).toBe((await store.head(info.key))?.etag);
          expect(info.lastModified).toBeInstanceOf(Date);
        }
      });

      it('reflects deletes', async () => {
        await store.delete('a/b/3');
        expect(await listKeys('a/b/')).toEqual(['a/b/4']);
      });
    });

    describe('delete', () => {
      it('is idempotent and lets the key be written again', async () => {
        await store.putBytes('gone/soon', 'first');
        await store.delete('gone/soon');
        expect(await store.head('gone/soon')).toBeNull();
        await store.delete('gone/soon');
        await store.delete('never/existed');
        const put = await store.putBytes('gone/soon', 'second, different');
        expect(put.created).toBe(true);
        expect((await store.getBytes('gone/soon')).toString()).toBe('second, different');
      });

      it('leaves sibling objects alone', async () => {
        await store.putBytes('dir/x', 'x');
        await store.putBytes('dir/y', 'y');
        await store.delete('dir/x');
        expect((await collect(store.list(''))).map((o) => o.key)).toEqual(['dir/y']);
      });
    });

    describe('key validation', () => {
      const invalid = ['', '/abs', 'a/../b', '..', 'a/./b', 'a\\b', 'a\0b', 'a//b', 'a/', '.cadence/meta/x'];

      it.each(invalid.map((key) => [JSON.stringify(key), key]))('refuses %s with BAD_INPUT everywhere', async (_label, key) => {
        await expectCode(store.putBytes(key, 'x'), 'BAD_INPUT');
        await expectCode(store.putFile(key, join(scratch, 'missing')), 'BAD_INPUT');
        await expectCode(store.head(key), 'BAD_INPUT');
        await expectCode(store.get(key), 'BAD_INPUT');
        await expectCode(store.getBytes(key), 'BAD_INPUT');
        await expectCode(store.delete(key), 'BAD_INPUT');
      });

      it('refuses list prefixes that climb or are absolute', async () => {
        await expectCode(collect(store.list('../')), 'BAD_INPUT');
        await expectCode(collect(store.list('/tracks')), 'BAD_INPUT');
        await expectCode(collect(store.list('a//')), 'BAD_INPUT');
      });

      it('creates nothing for a refused key', async () => {
        await store.putBytes('a/../b', 'x').catch(() => undefined);
        expect(await collect(store.list(''))).toEqual([]);
      });
    });

    describe('sources and cancellation', () => {
      it('refuses a missing source file with BAD_INPUT and stores nothing', async () => {
        const error = await expectCode(store.putFile('x', join(scratch, 'no-such-file')), 'BAD_INPUT');
        expect(error.message).toContain('no-such-file');
        expect(await store.head('x')).toBeNull();
      });

      it('an aborted put reports ABORTED and stores nothing', async () => {
        const path = await sourceFile('abort.bin', binaryContent(1 * MiB));
        await expectCode(store.putFile('aborted', path, { signal: AbortSignal.abort() }), 'ABORTED');
        await expectCode(store.putBytes('aborted', 'x', { signal: AbortSignal.abort() }), 'ABORTED');
        expect(await store.head('aborted')).toBeNull();
        expect(await collect(store.list(''))).toEqual([]);
      });
    });
  });
}
