import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeMaster } from '../fixtures/masters.ts';
import { CadenceError } from '../errors/cadence-error.ts';
import { FfmpegError, runFfmpeg, runFfprobe } from './ffmpeg-runner.ts';
import { resolveToolPaths } from './tool-paths.ts';

const { ffmpegPath, ffprobePath } = resolveToolPaths({});
let scratch: string;
let master: string;

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'cadence-runner-'));
  master = join(scratch, 'master.wav');
  await makeMaster({ path: master, seconds: 20 });
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

const encode = ['-map', '0:a:0', '-c:a', 'aac', '-b:a', '128k', '-f', 'mp4'];

describe('runFfmpeg', () => {
  it('records the command line, reports progress up to 100 and leaves no private folder behind', async () => {
    const before = (await readdir(tmpdir())).filter((name) => name.startsWith('cadence-ffmpeg-'));
    const progress: number[] = [];
    const result = await runFfmpeg({
      ffmpegPath,
      input: { path: master, demuxer: 'wav' },
      outputs: [{ target: 'out.mp4', options: encode }],
      durationSeconds: 20,
      onProgress: (percent) => progress.push(percent),
    });
    expect(result.commandLine).toContain(`-i file:${master}`);
    expect(result.commandLine).toContain('-protocol_whitelist file');
    expect(progress.at(-1)).toBe(100);
    expect(progress.every((value, i) => i === 0 || value >= progress[i - 1]!)).toBe(true);
    const after = (await readdir(tmpdir())).filter((name) => name.startsWith('cadence-ffmpeg-'));
    expect(after).toEqual(before);
  });

  it('stops when its AbortSignal fires', async () => {
    const abort = new AbortController();
    const started = Date.now();
    const running = runFfmpeg({
      ffmpegPath,
      input: { path: master, demuxer: 'wav' },
      // arealtime paces the encode at playback speed: 20 s unless the signal stops it.
      outputs: [{ target: 'slow.mp4', options: ['-af', 'arealtime', ...encode] }],
      durationSeconds: 20,
      signal: abort.signal,
    });
    setTimeout(() => abort.abort(), 300);
    await expect(running).rejects.toMatchObject({ code: 'ABORTED' });
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('fails with the stderr tail when the input is not what the forced demuxer expects', async () => {
    const text = join(scratch, 'not-audio.wav');
    await writeFile(text, 'hello, this is not a wave file\n'.repeat(10));
    const error = await runFfmpeg({
      ffmpegPath,
      input: { path: text, demuxer: 'wav' },
      outputs: [{ target: 'x.mp4', options: encode }],
      durationSeconds: 1,
    }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(FfmpegError);
    expect((error as FfmpegError).stderrTail.join('\n')).toMatch(/invalid|error/i);
  });

  it('never follows a concat script or playlist offered under an audio demuxer', async () => {
    const script = join(scratch, 'script.wav');
    await writeFile(script, `ffconcat version 1.0\nfile '${master}'\n`);
    const playlist = join(scratch, 'list.flac');
    await writeFile(playlist, `#EXTM3U\n#EXTINF:20,\n${master}\n#EXT-X-ENDLIST\n`);
    for (const [path, demuxer] of [[script, 'wav'], [playlist, 'flac'], [script, 'aiff']] as const) {
      const outcome = await runFfmpeg({
        ffmpegPath,
        input: { path, demuxer },
        outputs: [{ target: 'x.mp4', options: encode }],
        durationSeconds: 1,
      }).then(() => 'decoded', (error: unknown) => (error instanceof CadenceError ? 'refused' : 'crashed'));
      expect(outcome, `${path} as ${demuxer}`).toBe('refused');
    }
  });
});

describe('runFfprobe', () => {
  it('reads stream facts of a plain file', async () => {
    const data = await runFfprobe({ ffprobePath, input: { path: master, demuxer: 'wav' } });
    expect(data.streams[0]).toMatchObject({ codec_type: 'audio', codec_name: 'pcm_s16le', channels: 2 });
  });
});
