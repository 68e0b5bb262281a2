// A cover that is not square is accepted with a warning the label sees: in the ingest summary
// (human and --json) of a JSON delivery, and in a DDEX message's summary and acknowledgement.
// The cover route serves square sizes cropped to the centre square (origin/cover-route.ts), so
// the warning says so. Dry runs: the whole check runs (ffprobe, the cover decoded), no encoding.

import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeCover } from '../fixtures/cover-images.ts';
import { sampleRelease } from '../fixtures/ddex-messages.ts';
import { writeReleaseFolder } from '../fixtures/ddex-releases.ts';
import { makeDelivery } from '../fixtures/deliveries.ts';
import { runCadence } from './helpers/cadence-cli.ts';

let scratch: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'cadence-cover-warnings-'));
  env = { CADENCE_STORE: `file://${join(scratch, 'objects')}`, CADENCE_CATALOG: join(scratch, 'catalog.db'), CADENCE_QUEUE: '' };
});
afterAll(() => rm(scratch, { recursive: true, force: true }));

const WARNING = 'the cover is 900×640, not square: served sizes are cropped to the centre square';

describe('a cover that is not square', () => {
  it('is accepted and named in the summary of a JSON delivery, human and --json', async () => {
    const { file, json } = await makeDelivery(join(scratch, 'json'), { tracks: 1, seconds: 1, series: 93 });
    await mkdir(join(scratch, 'json', 'art'));
    await writeFile(join(scratch, 'json', 'art', 'front.jpg'), await makeCover({ width: 900, height: 640 }));
    await writeFile(file, JSON.stringify({ ...json, release: { ...json.release, cover: 'art/front.jpg' } }));

    const human = await runCadence(['ingest', file, '--dry-run'], { env });
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toContain(`  warning: release.cover: art/front.jpg: ${WARNING}\n`);
    const machine = await runCadence(['ingest', file, '--dry-run', '--json'], { env });
    expect(machine.code, machine.stderr).toBe(0);
    expect(JSON.parse(machine.stdout)).toMatchObject({ ok: true, dryRun: true, warnings: [{ where: 'release.cover', code: 'COVER_NOT_SQUARE', message: `art/front.jpg: ${WARNING}` }] });
  }, 60_000);

  it('reaches a DDEX message\'s summary and its acknowledgement', async () => {
    const folder = join(scratch, 'ddex');
    const spec = sampleRelease({ family: '3.8.2', tracks: 1, series: 94, messageId: 'COVER-WIDE-1' });
    for (const track of spec.tracks) track.file = track.file.replace('.flac', '.wav');
    await writeReleaseFolder(folder, spec, { seconds: 1, coverSize: { width: 900, height: 640 } });
    const acks = join(scratch, 'acks');

    const result = await runCadence(['ingest', folder, '--dry-run', '--json', '--ack', acks], { env });
    expect(result.code, result.stderr).toBe(0);
    const warning = { where: 'release.cover', code: 'COVER_NOT_SQUARE', message: `resources/cover.jpg: ${WARNING}` };
    expect(JSON.parse(result.stdout)).toMatchObject({ ok: true, status: 'valid', warnings: [warning] });
    const ack = JSON.parse(await readFile(join(acks, 'COVER-WIDE-1.json'), 'utf8'));
    expect(ack).toMatchObject({ status: 'valid', problems: [], warnings: [{ code: 'COVER_NOT_SQUARE', location: 'release.cover', message: warning.message }] });
    const human = await runCadence(['ingest', folder, '--dry-run'], { env });
    expect(human.stdout).toContain(`  warning: release.cover: resources/cover.jpg: ${WARNING}\n`);
  }, 60_000);
});
