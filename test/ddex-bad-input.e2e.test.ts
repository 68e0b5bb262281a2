// Bad DDEX deliveries through the real CLI: each refuses its message with every problem and its
// location (element path or file), nothing is published or recorded, and the acknowledgement says
// why. Hostile XML (billion laughs, deep nesting, a 200 MB message) is refused at once.

import { readdir, readFile, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCatalog } from '../catalog/open-catalog.ts';
import { billionLaughs, deepNesting, type ErnMessageSpec, ernMessage, fakeMd5, hugeMessage, sampleRelease } from '../fixtures/ddex-messages.ts';
import { fileHash, writeReleaseFolder } from '../fixtures/ddex-releases.ts';
import { makeMaster, runFfmpeg } from '../fixtures/masters.ts';
import { runCadence } from './helpers/cadence-cli.ts';

let scratch: string;
let env: NodeJS.ProcessEnv;
let batch: string;
let acks: string;
const isrcs: string[] = [];

function release(series: number, tracks = 1): ErnMessageSpec {
  const spec = sampleRelease({ family: '4.3', tracks, series, messageId: `BAD-${series}`, createdAt: `2026-12-01T10:${String(series).padStart(2, '0')}:00Z` });
  for (const track of spec.tracks) {
    track.file = track.file.replace('.flac', '.wav');
    isrcs.push(track.isrc);
  }
  return spec;
}

/** Folder name → what the refusal must name: a problem code and a location fragment. */
const expected: Record<string, { code: string; where: RegExp; message?: RegExp }> = {};

async function makeMp3(path: string): Promise<void> {
  await mkdir(join(path, '..'), { recursive: true });
  await runFfmpeg(['-v', 'error', '-f', 'lavfi', '-i', 'sine=frequency=440:duration=1', '-c:a', 'libmp3lame', '-y', path]);
}

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'cadence-ddex-bad-'));
  env = { CADENCE_STORE: `file://${join(scratch, 'objects')}`, CADENCE_CATALOG: join(scratch, 'catalog.db') };
  batch = join(scratch, 'batch');
  acks = join(scratch, 'acks');
  const folder = (name: string) => join(batch, name);

  const mismatch = release(40);
  mismatch.tracks[0]!.hash = { algorithm: 'MD5', value: fakeMd5('not the audio') };
  await writeReleaseFolder(folder('hash-mismatch'), mismatch, { seconds: 1 });
  expected['hash-mismatch'] = { code: 'HASH_MISMATCH', where: /SoundRecording(\[1\])?\/.*File$/, message: /resources\/001\.wav: its MD5 is [0-9a-f]{32}, the message says/ };

  await writeReleaseFolder(folder('missing-file'), release(41), { seconds: 1 });
  await rm(join(folder('missing-file'), 'resources/001.wav'));
  expected['missing-file'] = { code: 'NO_FILE', where: /SoundRecording(\[1\])?\/.*File$/, message: /resources\/001\.wav: the file does not exist/ };

  const escaping = release(42);
  escaping.tracks[0]!.hash = { algorithm: 'MD5', value: fakeMd5('x') };
  escaping.tracks[0]!.file = '../outside.wav';
  // The audio exists (next to the folder, where the path leads); the path alone is refused.
  await writeReleaseFolder(folder('dot-dot'), escaping, { seconds: 1 });
  expected['dot-dot'] = { code: 'UNSAFE_PATH', where: /SoundRecording(\[1\])?/ };

  const linked = release(43);
  await makeMaster({ path: join(scratch, 'outside.wav'), seconds: 1 });
  await mkdir(join(folder('symlink-out'), 'resources'), { recursive: true });
  await symlink(join(scratch, 'outside.wav'), join(folder('symlink-out'), 'resources/001.wav'));
  await writeReleaseFolder(folder('symlink-out'), linked, { reuseMasters: true });
  expected['symlink-out'] = { code: 'UNSAFE_PATH', where: /SoundRecording(\[1\])?\/.*File$/, message: /leads outside the release folder/ };

  const unknown = join(await writeReleaseFolder(folder('unknown-reference'), release(44, 2), { seconds: 1 }));
  await writeFile(unknown, (await readFile(unknown, 'utf8')).replaceAll('>A2</ReleaseResourceReference>', '>A9</ReleaseResourceReference>'));
  expected['unknown-reference'] = { code: 'UNKNOWN_REFERENCE', where: /ReleaseList\/Release/, message: /A9/ };

  const badIcpn = release(45);
  badIcpn.release.icpn = '012345678906';
  await writeReleaseFolder(folder('bad-icpn'), badIcpn, { seconds: 1 });
  expected['bad-icpn'] = { code: 'BAD_ICPN', where: /ReleaseId\/ICPN$/ };

  const badIsrc = release(46);
  badIsrc.tracks[0]!.isrc = 'GBCAD4600A01';
  await writeReleaseFolder(folder('bad-isrc'), badIsrc, { seconds: 1 });
  expected['bad-isrc'] = { code: 'BAD_ISRC', where: /SoundRecording(\[1\])?\/.*ISRC$/ };

  const badDate = release(47);
  badDate.release.releaseDate = '2026-02-30';
  await writeReleaseFolder(folder('impossible-date'), badDate, { seconds: 1 });
  expected['impossible-date'] = { code: 'BAD_DATE', where: /ReleaseDate$/ };

  const lossy = release(48);
  lossy.tracks[0]!.file = 'resources/001.mp3';
  await makeMp3(join(folder('lossy'), 'resources/001.mp3'));
  await writeReleaseFolder(folder('lossy'), lossy, { reuseMasters: true });
  expected['lossy'] = { code: '', where: /SoundRecording(\[1\])? \(GBCAD4800001\)\.master$/, message: /resources\/001\.mp3: .*MP3/i };

  // No ICPN and no GRid: the release is known by its proprietary id, which cannot hold a space or '/'.
  const noUsableId = release(49);
  noUsableId.release.icpn = undefined;
  noUsableId.release.grid = undefined;
  noUsableId.release.proprietaryId = { namespace: 'DPID:PADPIDA2026120301X', value: 'NLR 0042/B' };
  await writeReleaseFolder(folder('no-usable-id'), noUsableId, { seconds: 1 });
  expected['no-usable-id'] = { code: 'MISSING', where: /Release(\[1\])?\/ReleaseId$/, message: /no ProprietaryId usable as its id/ };

  const purge = release(51);
  await mkdir(folder('purge-unknown'), { recursive: true });
  await writeFile(join(folder('purge-unknown'), 'purge.xml'), ernMessage({ ...purge, kind: 'purge', release: { ...purge.release, icpn: '5901234123457' } }));

  for (const [name, bytes] of [['billion-laughs', billionLaughs()], ['deep-nesting', deepNesting(5000)]] as const) {
    await mkdir(folder(name), { recursive: true });
    await writeFile(join(folder(name), 'message.xml'), bytes);
  }
  expected['billion-laughs'] = { code: 'DOCTYPE', where: /^\// };
  expected['deep-nesting'] = { code: 'TOO_DEEP', where: /^\// };
}, 120_000);

afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

describe('bad DDEX deliveries', () => {
  it('refuses each message with its problem located, publishes nothing, and acknowledges why', async () => {
    const result = await runCadence(['ingest', batch, '--batch', '--json', '--ack', acks], { env });
    expect(result.code).toBe(1);
    expect(result.stderr).not.toMatch(/INTERNAL|\n\s+at /);
    const report = JSON.parse(result.stdout);
    expect(report.ok).toBe(false);
    const byFolder = new Map<string, any>(report.messages.map((m: any) => [m.file.split('/').slice(-2, -1)[0], m]));
    const written = await Promise.all((await readdir(acks)).map(async (name) => JSON.parse(await readFile(join(acks, name), 'utf8'))));
    const missing = Object.entries(expected)
      .filter(([name, want]) => !byFolder.get(name)?.problems.some((p: any) => (want.code === '' || p.code === want.code) && want.where.test(p.where) && (!want.message || want.message.test(p.message))))
      .map(([name]) => `${name}: ${JSON.stringify(byFolder.get(name)?.problems)}`);
    expect(missing).toEqual([]);
    for (const [name, want] of Object.entries(expected)) {
      const message = byFolder.get(name);
      expect(message?.status, name).toBe('refused');
      const hit = message.problems.find((p: any) => (want.code === '' || p.code === want.code) && want.where.test(p.where) && (!want.message || want.message.test(p.message)));
      expect(hit, `${name}: ${JSON.stringify(message.problems)}`).toBeDefined();
      const acknowledged = written.find((a) => a.file.split('/').slice(-2, -1)[0] === name);
      expect(acknowledged, name).toMatchObject({ status: 'refused' });
      expect(acknowledged.problems.some((p: any) => p.location === hit.where && p.message === hit.message), name).toBe(true);
    }
    expect(written.find((a) => a.file.includes('hash-mismatch'))?.messageId).toBe('BAD-40');
    // A purge of a release the catalog does not hold is read fine but cannot be applied.
    expect(byFolder.get('purge-unknown')).toMatchObject({ status: 'failed', problems: [{ code: 'NOT_FOUND', message: 'no published release 5901234123457 in the catalog' }] });
    expect(written.find((a) => a.messageId === 'BAD-51')).toMatchObject({ status: 'failed', upc: '5901234123457', messageKind: 'purge' });
    // Nothing was published, stored or recorded.
    const catalog = openCatalog(env.CADENCE_CATALOG!);
    try {
      for (const isrc of isrcs) expect(catalog.getTrack(isrc), isrc).toBeNull();
    } finally {
      catalog.close();
    }
    expect(await readdir(join(scratch, 'objects')).catch(() => [])).toEqual([]);
  }, 180_000);

  it('reports every problem of one message at once, before any work (--dry-run --json)', async () => {
    const spec = release(50, 3);
    spec.release.icpn = '012345678906';
    spec.tracks[0]!.hash = { algorithm: 'SHA-256', value: fakeMd5('wrong').repeat(2) };
    spec.tracks[1]!.file = 'resources/002.mp3';
    const folder = join(scratch, 'many-problems');
    await makeMp3(join(folder, 'resources/002.mp3'));
    const file = await writeReleaseFolder(folder, spec, { seconds: 1, reuseMasters: true });
    const result = await runCadence(['ingest', file, '--dry-run', '--json', '--ack', acks], { env });
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout);
    expect(report).toMatchObject({ ok: false, code: 'BAD_DELIVERY' });
    const codes = report.problems.map((p: any) => p.code ?? 'probe');
    expect(codes).toEqual(expect.arrayContaining(['BAD_ICPN', 'HASH_MISMATCH', 'probe']));
    expect((await fileHash(join(folder, 'resources/003.wav'))).length).toBe(32);
    expect(JSON.parse(await readFile(join(acks, 'BAD-50.json'), 'utf8'))).toMatchObject({ status: 'refused', messageId: 'BAD-50' });
    expect(result.stderr).toMatch(/^BAD_DELIVERY: /m);
  }, 60_000);

  it('refuses a 200 MB message by its size at once, in bounded memory', async () => {
    const folder = join(scratch, 'huge');
    await mkdir(folder, { recursive: true });
    await writeFile(join(folder, 'message.xml'), hugeMessage(200 * 1024 * 1024));
    const started = performance.now();
    const result = await runCadence(['ingest', folder, '--json'], { env });
    const seconds = (performance.now() - started) / 1000;
    await rm(folder, { recursive: true, force: true });
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout).problems).toEqual([expect.objectContaining({ code: 'TOO_LARGE', message: expect.stringMatching(/209715200 bytes, over the 16777216-byte limit/) })]);
    expect(seconds).toBeLessThan(10); // the CLI's start-up; the message itself is never read
  }, 60_000);
});
