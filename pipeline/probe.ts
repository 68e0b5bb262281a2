// Decides whether a file is a master we accept, before any encoding: bytes first (sniff), then
// ffprobe locked to that one demuxer, then a full decode that must return every declared sample.
// Every refusal names the file and the problem.

import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { CadenceError } from '../errors/cadence-error.ts';
import { FfmpegError, type ProbeStream, runFfmpeg, runFfprobe } from './ffmpeg-runner.ts';
import { SUPPORTED_SAMPLE_RATES } from './ladder.ts';
import { sniffMaster } from './sniff.ts';
import type { MasterFormat, MasterInfo, ToolPaths } from './types.ts';

/** Four hours: a long live recording still fits; anything longer is almost certainly a mistake. */
export const DEFAULT_MAX_DURATION_SECONDS = 4 * 3600;

const PCM_CODECS: Record<string, { bitDepth: number; sampleFormat: 'int' | 'float' }> = {
  pcm_s16le: { bitDepth: 16, sampleFormat: 'int' },
  pcm_s16be: { bitDepth: 16, sampleFormat: 'int' },
  pcm_s24le: { bitDepth: 24, sampleFormat: 'int' },
  pcm_s24be: { bitDepth: 24, sampleFormat: 'int' },
  pcm_f32le: { bitDepth: 32, sampleFormat: 'float' },
  pcm_f32be: { bitDepth: 32, sampleFormat: 'float' },
};

function refuse(path: string, problem: string): CadenceError {
  return new CadenceError('BAD_MASTER', `${path}: ${problem}`);
}

function audioStreams(streams: ProbeStream[]): ProbeStream[] {
  // Cover art in a FLAC shows up as a video stream with the attached_pic disposition: ignore it.
  return streams.filter((stream) => stream.codec_type === 'audio');
}

function sampleLayout(path: string, stream: ProbeStream): { bitDepth: number; sampleFormat: 'int' | 'float' } {
  const codec = stream.codec_name ?? 'unknown';
  if (codec === 'flac') {
    const bits = Number(stream.bits_per_raw_sample);
    if (bits !== 16 && bits !== 24) throw refuse(path, `${bits}-bit FLAC is not supported (16 or 24-bit only)`);
    return { bitDepth: bits, sampleFormat: 'int' };
  }
  const pcm = PCM_CODECS[codec];
  if (pcm) return pcm;
  if (codec === 'pcm_s32le' || codec === 'pcm_s32be') {
    throw refuse(path, '32-bit integer PCM is not supported (16/24-bit integer or 32-bit float only)');
  }
  if (codec.startsWith('pcm_')) {
    throw refuse(path, `${codec} samples are not supported (16/24-bit integer or 32-bit float PCM only)`);
  }
  throw refuse(path, `the audio is ${codec}, which is not lossless PCM or FLAC (lossy and compressed masters are refused)`);
}

export interface ProbeOptions extends Pick<ToolPaths, 'ffprobePath'> {
  maxDurationSeconds?: number;
}

/** Checks the container and stream parameters; cheap, reads only headers. */
export async function probeMaster(path: string, options: ProbeOptions): Promise<MasterInfo> {
  const { ffprobePath, maxDurationSeconds = DEFAULT_MAX_DURATION_SECONDS } = options;
  const info = await stat(path).catch(() => null);
  if (!info) throw refuse(path, 'the file does not exist');
  if (!info.isFile()) throw refuse(path, 'not a regular file');

  const sniffed = await sniffMaster(path);
  if (!sniffed.ok) throw refuse(path, sniffed.reason);
  const format: MasterFormat = sniffed.format;

  const probe = await runFfprobe({ ffprobePath, input: { path, demuxer: format } }).catch((error: unknown) => {
    throw refuse(path, `the ${format.toUpperCase()} data cannot be read (${(error as Error).message})`);
  });
  const streams = audioStreams(probe.streams ?? []);
  if (streams.length === 0) throw refuse(path, 'the file has no audio stream');
  if (streams.length > 1) throw refuse(path, `the file has ${streams.length} audio streams; a master has exactly one`);
  const stream = streams[0]!;

  const layout = sampleLayout(path, stream);
  const channels = Number(stream.channels);
  if (channels !== 1 && channels !== 2) {
    throw refuse(path, `${channels} channels; masters must be mono or stereo`);
  }
  const sampleRate = Number(stream.sample_rate);
  if (!(SUPPORTED_SAMPLE_RATES as readonly number[]).includes(sampleRate)) {
    throw refuse(path, `sample rate ${sampleRate} Hz is not supported (use one of ${SUPPORTED_SAMPLE_RATES.join(', ')} Hz)`);
  }
  const declaredSamples = Number(stream.duration_ts);
  if (!Number.isSafeInteger(declaredSamples) || declaredSamples <= 0) {
    throw refuse(path, 'the file declares no audio samples');
  }
  const durationSeconds = declaredSamples / sampleRate;
  if (durationSeconds > maxDurationSeconds) {
    throw refuse(path, `duration ${durationSeconds.toFixed(1)} s exceeds the limit of ${maxDurationSeconds} s`);
  }
  return {
    path,
    format,
    codec: stream.codec_name!,
    sampleRate,
    channels,
    ...layout,
    declaredSamples,
    durationSeconds,
    completeData: sniffed.completeData,
  };
}

/**
 * Decodes the whole master and counts its samples: a corrupt or cut-off file fails here, before
 * any encode starts. Returns the decoded length in samples per channel. PCM whose data chunk was
 * seen to be complete cannot fail to decode, so it is not decoded twice.
 */
export async function verifyDecode(master: MasterInfo, options: { ffmpegPath: string; workDir: string; signal?: AbortSignal }): Promise<number> {
  if (master.completeData) return master.declaredSamples;
  const report = 'decode-check.framecrc';
  try {
    await runFfmpeg({
      ffmpegPath: options.ffmpegPath,
      input: { path: master.path, demuxer: master.format },
      outputs: [{ target: report, options: ['-xerror', '-map', '0:a:0', '-c:a', 'pcm_s32le', '-f', 'framecrc'] }],
      durationSeconds: master.durationSeconds,
      workDir: options.workDir,
      signal: options.signal,
    });
  } catch (error) {
    if (!(error instanceof FfmpegError)) throw error;
    // Keep the decoder's own complaints ("[flac @ …] invalid residual"), drop the banner noise.
    const detail = error.stderrTail
      .filter((line) => line.startsWith('['))
      .map((line) => line.replace(/^\[[^\]]*\]\s*/, ''))
      .join('; ');
    throw refuse(master.path, `the audio data is corrupt or cut off and cannot be decoded (${detail || 'decoder error'})`);
  }
  // framecrc lines: stream, dts, pts, duration, size, checksum.
  const lines = (await readFile(join(options.workDir, report), 'utf8')).split('\n');
  const decoded = lines
    .filter((line) => line && !line.startsWith('#'))
    .reduce((sum, line) => sum + Number(line.split(',')[3]), 0);
  if (decoded !== master.declaredSamples) {
    throw refuse(
      master.path,
      `the file is truncated or corrupt: it declares ${master.declaredSamples} samples but ${decoded} decode`,
    );
  }
  return decoded;
}
