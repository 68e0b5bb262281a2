// ERN as real senders write it, end to end through the real CLI, real ffmpeg and a real origin:
// an ERN 4.3 album in the 4.3 schema's own shape (ISRC and file inside SoundRecordingEdition),
// pretty-printed, in UTF-16 BE, a relative `file:` URI and SHA-512 hashes; and an ERN 3.8.2 album
// as a major's tool writes it (IsMainRelease beside track releases typed Single, the ICPN as a
// 14-digit GTIN, a composer listed as DisplayArtist, a file name with `%` and a space, a deal
// written with ExcludedTerritoryCode alone). Both ingest, show the right order, discs, artists and
// explicit flags, and play where their deals say. The reader's own tests are
// ddex/read-ern-variants.test.ts; this proves the pipeline takes what the reader now accepts.

import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ErnMessageSpec, prettyXml, sampleRelease, toUtf16 } from '../fixtures/ddex-messages.ts';
import { writeReleaseFolder } from '../fixtures/ddex-releases.ts';
import { CLIENT_FFMPEG, runCadence } from './helpers/cadence-cli.ts';
import { authorization } from './helpers/listener-tokens.ts';
import { startTestOrigin, type TestOrigin } from './helpers/origin-fixture.ts';

const run = promisify(execFile);
let scratch: string;
let env: NodeJS.ProcessEnv;
let origin: TestOrigin;

const EDITIONS_UPC = '012345678905';
const MAJOR_UPC = '036000291452';

function replaceOnce(xml: string, from: string | RegExp, to: string): string {
  const changed = xml.replace(from, to);
  if (changed === xml) throw new Error(`the message does not contain ${String(from)}`);
  return changed;
}

function spec(options: Parameters<typeof sampleRelease>[0], icpn: string): ErnMessageSpec {
  const made = sampleRelease(options);
  made.release.icpn = icpn;
  made.release.grid = undefined;
  for (const track of made.tracks) track.file = track.file.replace('.flac', '.wav');
  return made;
}

// ERN 4.3, 4 tracks on 2 discs, track 3 explicit (the sample's pattern).
const editions = spec({ family: '4.3', tracks: 4, discs: 2, series: 91, messageId: 'EDITIONS-1', createdAt: '2026-12-01T09:00:00Z' }, EDITIONS_UPC);
editions.editions = true;

// ERN 3.8.2, 3 tracks; track 2's file has a `%` and a space in its name.
const major = spec(
  {
    family: '3.8.2',
    tracks: 3,
    series: 92,
    messageId: 'MAJOR-1',
    createdAt: '2026-12-01T09:05:00Z',
    deals: [{ release: 'main', commercialModels: ['SubscriptionModel', 'AdvertisementSupportedModel'], useTypes: ['OnDemandStream'], territories: [], excluded: ['FR'] }],
  },
  MAJOR_UPC,
);
major.tracks[1]!.file = 'resources/100% Live.wav';

function majorSpelling(xml: string): string {
  let out = replaceOnce(xml, `<ICPN>${MAJOR_UPC}</ICPN>`, `<ICPN>00${MAJOR_UPC}</ICPN>`);
  out = replaceOnce(out, /<ReleaseType>TrackRelease<\/ReleaseType>/g, '<ReleaseType>Single</ReleaseType>');
  return replaceOnce(
    out,
    '<ArtistRole>MainArtist</ArtistRole></DisplayArtist><LabelName>',
    '<ArtistRole>MainArtist</ArtistRole></DisplayArtist><DisplayArtist SequenceNumber="9"><PartyName><FullName>Jean Sibelius</FullName></PartyName><ArtistRole>Composer</ArtistRole></DisplayArtist><LabelName>',
  );
}

async function track(isrc: string): Promise<{ status: number; body: Record<string, any> }> {
  const response = await fetch(`${origin.url}/v1/tracks/${isrc}`);
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

async function grant(isrc: string, tier: string, country: string): Promise<{ status: number; body: Record<string, any> }> {
  const response = await fetch(`${origin.url}/v1/tracks/${isrc}/playback`, { headers: await authorization({ tier, country }) });
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'cadence-ddex-variants-'));
  env = { CADENCE_STORE: `file://${join(scratch, 'objects')}`, CADENCE_CATALOG: join(scratch, 'catalog.db') };
  const incoming = join(scratch, 'incoming');
  const editionsMessage = await writeReleaseFolder(join(incoming, EDITIONS_UPC), editions, {
    seconds: 2,
    algorithm: 'SHA-512',
    transformXml: (xml) => replaceOnce(xml, '<URI>resources/002.wav</URI>', '<URI>file:resources/002.wav</URI>'),
  });
  // Pretty-printed and re-encoded as UTF-16 BE after the hashes are in.
  await writeFile(editionsMessage, toUtf16(prettyXml(await readFile(editionsMessage, 'utf8')), { endian: 'be' }));
  await writeReleaseFolder(join(incoming, MAJOR_UPC), major, { seconds: 2, transformXml: majorSpelling });
  origin = await startTestOrigin({ env });
}, 120_000);

afterAll(async () => {
  await origin?.close();
  await rm(scratch, { recursive: true, force: true });
});

describe('ERN variations through the pipeline', () => {
  it('ingests a 4.3 album in SoundRecordingEdition form and a 3.8.2 album as a major writes it; both show and play as their deals say', async () => {
    const result = await runCadence(['ingest', join(scratch, 'incoming'), '--batch', '--json'], { env, timeoutMs: 240_000 });
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report.messages.map((m: any) => [m.message.id, m.status, m.published])).toEqual([
      ['EDITIONS-1', 'applied', 4],
      ['MAJOR-1', 'applied', 3],
    ]);

    const shown = await Promise.all(editions.tracks.map(async (t) => (await track(t.isrc)).body));
    expect(shown.map((t) => [t.discNumber, t.trackNumber, t.title, t.explicit])).toEqual([
      [1, 1, 'Movement 1', false],
      [1, 2, 'Movement 2', false],
      [2, 1, 'Movement 3', true],
      [2, 2, 'Movement 4', false],
    ]);
    expect(shown[1]!.artists).toEqual(['Ilse Varga', 'Oskar Lind']);
    expect(shown[0]).toMatchObject({ release: { upc: EDITIONS_UPC }, pLine: { year: 2026, text: '(P) 2026 Northern Lights Records' } });

    const majors = await Promise.all(major.tracks.map(async (t) => (await track(t.isrc)).body));
    expect(majors.map((t) => [t.trackNumber, t.title])).toEqual([[1, 'Movement 1'], [2, 'Movement 2'], [3, 'Movement 3']]);
    // The ICPN written as a GTIN-14 is the release's UPC; the composer is a credit, not an artist.
    expect(majors[0]).toMatchObject({ release: { upc: MAJOR_UPC }, album: 'Aurora & Other Lights', artists: ['Ilse Varga'] });
    expect(majors[0]!.credits).toContainEqual({ name: 'Jean Sibelius', role: 'Composer' });

    // The 4.3 album plays; the 3.8.2 album plays everywhere but in FR (its deal's ExcludedTerritoryCode).
    for (const [isrc, tier, country] of [[editions.tracks[2]!.isrc, 'hifi', 'GB'], [major.tracks[1]!.isrc, 'free', 'SE']] as const) {
      const { status, body } = await grant(isrc, tier, country);
      expect(status, JSON.stringify(body)).toBe(200);
      await run(CLIENT_FFMPEG, ['-v', 'error', '-xerror', '-i', `${origin.url}${body.segments.hls}`, '-f', 'null', '-']);
    }
    const excluded = await grant(major.tracks[1]!.isrc, 'premium', 'FR');
    expect(excluded.status).toBe(451);
    expect(excluded.body.error).toBe('territory_not_licensed');
  }, 300_000);
});
