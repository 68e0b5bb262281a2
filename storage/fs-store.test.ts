import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { FsObjectStore } from './fs-store.ts';
import { collect, describeObjectStoreContract, expectCode, sha256 } from './object-store.contract.ts';

const temps: string[] = [];
async function tempRoot(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'cadence-fs-store-'));
  temps.push(dir);
  return dir;
}

describeObjectStoreContract('filesystem', async () => {
  const root = join(await tempRoot(), 'objects');
  return { store: new FsObjectStore({ root }), teardown: async () => rm(root, { recursive: true, force: true }) };
});

describe('FsObjectStore specifics', () => {
  let root: string;
  let store: FsObjectStore;

  beforeEach(async () => {
    root = join(await tempRoot(), 'objects');
    store = new FsObjectStore({ root });
  });

  afterEach(async () => {
    await Promise.all(temps.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
  });

  it('names itself with a file:// URL and keeps objects as plain files under the root', async () => {
    expect(store.url).toBe(`file://${root}`);
    await store.putBytes('tracks/X/v1/a.mp4', 'bytes');
    expect(await readdir(join(root, 'tracks/X/v1'))).toEqual(['a.mp4']);
    // Bookkeeping only under .cadence/, temp files cleaned up.
    expect((await readdir(root)).sort()).toEqual(['.cadence', 'tracks']);
    expect(await readdir(join(root, '.cadence/tmp'))).toEqual([]);
  });

  it('lists in byte order of keys, where a folder sorts as "name/"', async () => {
    // UTF-8 byte order: "-" (2d) < "/" (2f) < "0" (30) < "z" < "é" < "😀".
    for (const key of ['a/b', 'a-c', 'a0', 'z', 'é', '😀', 'a/a/a']) await store.putBytes(key, key);
    expect((await collect(store.list(''))).map((o) => o.key)).toEqual(['a-c', 'a/a/a', 'a/b', 'a0', 'z', 'é', '😀']);
  });

  it('recomputes the sha256 when the sidecar is missing (e.g. a crash right after link)', async () => {
    await store.putBytes('k', 'content');
    await unlink(join(root, '.cadence/meta/k'));
    const info = await store.head('k');
    expect(info?.sha256).toBeNull();
    expect(info?.etag).toMatch(/^[0-9a-f]+-[0-9a-f]+$/); // size-mtime fallback
    expect((await store.putBytes('k', 'content')).created).toBe(false);
    await expectCode(store.putBytes('k', 'other'), 'CONFLICT');
  });

  it('ignores a sidecar that describes another version of the file', async () => {
    await store.putBytes('k', 'content');
    // The file replaced behind the store's back (e.g. restored from a backup): the record is stale.
    await unlink(join(root, 'k'));
    await writeFile(join(root, 'k'), 'changed');
    expect((await store.head('k'))?.sha256).toBeNull();
    await expectCode(store.putBytes('k', 'content'), 'CONFLICT');
    expect((await store.putBytes('k', 'changed')).created).toBe(false);
  });

  it('refuses a key whose parent is an object with CONFLICT', async () => {
    await store.putBytes('a', 'object');
    await expectCode(store.putBytes('a/b', 'x'), 'CONFLICT');
    await store.putBytes('c/d', 'x');
    await expectCode(store.putBytes('c', 'x'), 'CONFLICT');
  });

  it('prunes folders left empty by delete, so the name can become an object', async () => {
    await store.putBytes('p/q/r', 'x');
    await store.delete('p/q/r');
    expect((await readdir(root)).sort()).toEqual(['.cadence']);
    expect((await store.putBytes('p', 'now an object')).created).toBe(true);
  });

  it('is create-only across processes: of several racing writers exactly one wins', async () => {
    const writer = join(await tempRoot(), 'writer.mts');
    const storeModule = fileURLToPath(new URL('./fs-store.ts', import.meta.url));
    await writeFile(
      writer,
      `import { FsObjectStore } from ${JSON.stringify(storeModule)};
const store = new FsObjectStore({ root: process.argv[2] });
// Start together: process start-up times differ by more than a put takes.
await new Promise((resolve) => setTimeout(resolve, Number(process.argv[4]) - Date.now()));
try {
  const result = await store.putBytes('race', process.argv[3].repeat(200_000));
  process.stdout.write(JSON.stringify({ created: result.created }));
} catch (error) {
  process.stdout.write(JSON.stringify({ code: error.code }));
}
`,
    );
    const contents = ['A', 'B', 'C', 'A'];
    const startAt = String(Date.now() + 1_500);
    const outcomes = await Promise.all(
      contents.map(
        (letter) =>
          new Promise<{ created?: boolean; code?: string }>((resolve, reject) => {
            const child = spawn(process.execPath, ['--import', 'tsx', writer, root, letter, startAt], {
              cwd: fileURLToPath(new URL('..', import.meta.url)),
              stdio: ['ignore', 'pipe', 'inherit'],
            });
            let out = '';
            child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
            child.on('error', reject);
            child.on('close', () => resolve(JSON.parse(out) as { created?: boolean; code?: string }));
          }),
      ),
    );
    expect(outcomes.filter((o) => o.created === true)).toHaveLength(1);
    const stored = (await store.getBytes('race')).toString();
    expect(stored).toBe(stored[0]!.repeat(200_000));
    expect((await store.head('race'))?.sha256).toBe(sha256(stored));
    // Writers of other letters got CONFLICT; a second "A" got created:false if "A" won.
    outcomes.forEach((outcome, i) => {
      if (outcome.created === true) return;
      if (contents[i] === stored[0]) expect(outcome).toEqual({ created: false });
      else expect(outcome).toEqual({ code: 'CONFLICT' });
    });
  });
});
