// `cadence package` end to end on generated masters: what a user gets in the output folder must
// decode bit-exact (FLAC), gapless (AAC within one frame), at the advertised bitrates, with
// manifests that validate and that ffmpeg reads over HTTP from a plain static server.

import { execFile } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { type ParsedManifest, Parser } from 'm3u8-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeMaster, type MakeMasterOptions } from '../fixtures/masters.ts';
import { decodedPcmDigest } from '../fixtures/pcm-checksum.ts';
import { measureBitrates } from '../manifests/bitrate.ts';
import { writeMpd } from '../manifests/dash-writer.ts';
import { writeMediaPlaylist, writeMultivariantPlaylist } from '../manifests/hls-writer.ts';
import type { MediaDescription, Segment } from '../manifests/types.ts';
import { CLIENT_FFMPEG, REPO_ROOT, runCadence } from './helpers/cadence-cli.ts';
import { type StaticServer, startStaticServer } from './helpers/static-server.ts';

const run = promisify(execFile);
const SCHEMA = resolve(REPO_ROOT, '..', 'shared', 'schema', 'dash', 'DASH-MPD.xsd');
const AAC_FRAME = 1024;

let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'cadence-package-e2e-'));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

interface Packaged {
  master: string;
  out: string;
  description: MediaDescription;
}

async function packageGenerated(name: string, master: Omit<MakeMasterOptions, 'path'>, extension: string): Promise<Packaged> {
  const masterPath = join(scratch, `${name}.${extension}`);
  await makeMaster({ ...master, path: masterPath });
  const out = join(scratch, `${name}-out`);
  const result = await runCadence(['package', masterPath, '--out', out]);
  expect(result.stderr).not.toMatch(/^[A-Z_]+: /m);
  expect(result.code).toBe(0);
  const description = JSON.parse(await readFile(join(out, 'description.json'), 'utf8')) as MediaDescription;
  return { master: masterPath, out, description };
}

function parsePlaylist(text: string): { manifest: ParsedManifest; warnings: string[] } {
  const parser = new Parser();
  const warnings: string[] = [];
  parser.on('warn', (warning: { message: string }) => warnings.push(warning.message));
  parser.push(text);
  parser.end();
  return { manifest: parser.manifest, warnings };
}

async function xmllint(path: string): Promise<void> {
  await run('xmllint', ['--noout', '--schema', SCHEMA, path]);
}

const cases: Array<{ name: string; extension: string; master: Omit<MakeMasterOptions, 'path'>; aacRate: number }> = [
  { name: 'cd', extension: 'wav', master: { seconds: 20, sampleRate: 44100, bitDepth: 16, channels: 2, format: 'wav' }, aacRate: 44100 },
  { name: 'hires', extension: 'flac', master: { seconds: 14, sampleRate: 96000, bitDepth: 24, channels: 2, format: 'flac', seed: 2 }, aacRate: 48000 },
];

describe.each(cases)('cadence package: $name master', ({ name, extension, master, aacRate }) => {
  let packaged: Packaged;
  let server: StaticServer;

  beforeAll(async () => {
    packaged = await packageGenerated(name, master, extension);
    server = await startStaticServer({ root: packaged.out });
  }, 120_000);
  afterAll(async () => {
    await server?.close();
  });

  it('writes four renditions, HLS, DASH and the description, and nothing else', async () => {
    const files = (await readdir(packaged.out)).sort();
    expect(files).toEqual(
      [
        'aac-160.m3u8', 'aac-160.mp4', 'aac-320.m3u8', 'aac-320.mp4', 'aac-96.m3u8', 'aac-96.mp4',
        'description.json', 'flac.m3u8', 'flac.mp4', 'manifest.mpd', 'master.m3u8',
      ].sort(),
    );
    const { renditions } = packaged.description;
    expect(renditions.map((r) => `${r.id}:${r.codecs}:${r.sampleRate}`)).toEqual([
      `aac-96:mp4a.40.2:${aacRate}`,
      `aac-160:mp4a.40.2:${aacRate}`,
      `aac-320:mp4a.40.2:${aacRate}`,
      `flac:fLaC:${master.sampleRate}`,
    ]);
    expect(renditions.at(-1)!.bitDepth).toBe(master.bitDepth);
  });

  it('decodes the FLAC rendition bit-exact to the master', async () => {
    const [source, flac] = await Promise.all([
      decodedPcmDigest({ path: packaged.master }),
      decodedPcmDigest({ path: join(packaged.out, 'flac.mp4') }),
    ]);
    expect(flac.samples).toBe(source.samples);
    expect(flac.sampleRate).toBe(master.sampleRate);
    expect(flac.md5).toBe(source.md5);
  });

  it('decodes every AAC rendition to the master length within one AAC frame (gapless)', async () => {
    const expected = Math.round((packaged.description.master.samples * aacRate) / master.sampleRate!);
    for (const id of ['aac-96', 'aac-160', 'aac-320']) {
      const decoded = await decodedPcmDigest({ path: join(packaged.out, `${id}.mp4`) });
      expect(decoded.sampleRate).toBe(aacRate);
      expect(Math.abs(decoded.samples - expected), id).toBeLessThanOrEqual(AAC_FRAME);
    }
  });

  it('cuts every rendition at the same instants', () => {
    const boundaries = packaged.description.renditions.map((rendition) =>
      rendition.segments.map((segment) => (segment.time / rendition.timescale).toFixed(6)),
    );
    for (const other of boundaries.slice(1)) expect(other).toEqual(boundaries[0]);
    const durations = packaged.description.renditions[0]!.segments.map((s) => s.duration / aacRate);
    for (const seconds of durations.slice(0, -1)) {
      expect(seconds).toBeGreaterThan(5.5);
      expect(seconds).toBeLessThan(6.5);
    }
  });

  it('states bitrates that match the bytes: AAC near nominal, BANDWIDTH >= peak, AVERAGE-BANDWIDTH near average', async () => {
    const multivariant = parsePlaylist(await readFile(join(packaged.out, 'master.m3u8'), 'utf8'));
    expect(multivariant.warnings).toEqual([]);
    const variants = multivariant.manifest.playlists ?? [];
    expect(variants).toHaveLength(4);
    for (const variant of variants) {
      const media = parsePlaylist(await readFile(join(packaged.out, variant.uri), 'utf8'));
      expect(media.warnings).toEqual([]);
      // Measured from the playlist's own byte ranges and durations, not from our description.
      const segments: Segment[] = media.manifest.segments.map((segment) => ({
        time: 0,
        duration: segment.duration,
        offset: segment.byterange!.offset,
        size: segment.byterange!.length,
      }));
      const measured = measureBitrates(segments, 1, media.manifest.targetDuration!);
      const id = variant.uri.replace('.m3u8', '');
      const rendition = packaged.description.renditions.find((r) => r.id === id)!;
      if (rendition.nominalBitrate) {
        expect(Math.abs(measured.average / rendition.nominalBitrate - 1), `${id} average ${measured.average}`).toBeLessThan(0.1);
      }
      expect(variant.attributes.BANDWIDTH).toBeGreaterThanOrEqual(Math.floor(measured.peak));
      const average = Number(variant.attributes['AVERAGE-BANDWIDTH']);
      expect(Math.abs(average / measured.average - 1)).toBeLessThan(0.1);
    }
  });

  it('writes manifests that validate: MPDs against the DASH schema, playlists without parser warnings', async () => {
    await xmllint(join(packaged.out, 'manifest.mpd'));
    // The per-segment addressing (served by the origin later) must validate too.
    const segmentsMpd = join(scratch, `${name}-segments.mpd`);
    await writeFile(segmentsMpd, writeMpd(packaged.description, { addressing: 'segments' }));
    await xmllint(segmentsMpd);
    const playlists = [
      writeMultivariantPlaylist(packaged.description, { addressing: 'segments' }),
      ...packaged.description.renditions.map((r) => writeMediaPlaylist(r, { addressing: 'segments' })),
      ...(await Promise.all(
        (await readdir(packaged.out)).filter((f) => f.endsWith('.m3u8')).map((f) => readFile(join(packaged.out, f), 'utf8')),
      )),
    ];
    for (const text of playlists) expect(parsePlaylist(text).warnings).toEqual([]);
  });

  it('is read over HTTP by ffmpeg from a static server: HLS and DASH, every rendition', async () => {
    const master = await decodedPcmDigest({ path: packaged.master });
    for (const rendition of packaged.description.renditions) {
      const hls = await decodedPcmDigest({ path: `${server.url}/${rendition.id}.m3u8`, ffmpegPath: CLIENT_FFMPEG });
      expect(hls.samples, rendition.id).toBeGreaterThan(0);
      if (rendition.codec === 'flac') expect(hls.md5).toBe(master.md5);
    }
    const representations = packaged.description.renditions.length;
    for (let index = 0; index < representations; index++) {
      const { stdout } = await run(CLIENT_FFMPEG, [
        '-v', 'error', '-xerror', '-i', `${server.url}/manifest.mpd`, '-map', `0:a:${index}`, '-c:a', 'pcm_s32le', '-f', 'md5', '-',
      ]);
      if (index === representations - 1) expect(stdout.trim()).toBe(`MD5=${master.md5}`);
    }
    // The static server was asked for byte ranges, not whole files.
    expect(server.requests.some((request) => request.range && request.status === 206)).toBe(true);
  }, 120_000);
});
