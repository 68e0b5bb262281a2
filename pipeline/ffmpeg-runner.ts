// The one wrapper that runs ffmpeg and ffprobe (through fluent-ffmpeg). It records the command
// line, keeps stderr for error messages, reports progress 0–100, honours an AbortSignal, runs in a
// private temporary folder, and only ever opens plain local files: inputs are passed as `file:`
// URLs with the demuxer forced and protocols restricted, so a playlist or concat script is never
// followed.

import { execFile } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import ffmpeg from 'fluent-ffmpeg';
import { CadenceError } from '../errors/cadence-error.ts';
import { makeScratchDir } from './scratch-dir.ts';
import { type Logger, silentLogger } from './types.ts';

export interface FfmpegInput {
  path: string;
  /** The demuxer to force (never let ffmpeg guess from content). */
  demuxer: string;
}

export interface FfmpegOutput {
  /** File name inside the working folder, or `-` with `-f null`. */
  target: string;
  options: string[];
}

export interface FfmpegRun {
  ffmpegPath: string;
  input: FfmpegInput;
  outputs: FfmpegOutput[];
  /** Expected input duration, to turn timestamps into a percentage. */
  durationSeconds: number;
  /** Folder to run in; a private temporary one is made (and removed) when omitted. */
  workDir?: string;
  signal?: AbortSignal;
  onProgress?: (percent: number) => void;
  logger?: Logger;
}

export interface FfmpegResult {
  commandLine: string;
  stderr: string;
}

const STDERR_TAIL_LINES = 12;

/** ffmpeg exited with an error; the command line and the end of its stderr say why. */
export class FfmpegError extends CadenceError {
  constructor(
    message: string,
    readonly commandLine: string,
    readonly stderrTail: string[],
    options?: { cause?: unknown },
  ) {
    super('FFMPEG', `${message}\n${commandLine}\n${stderrTail.join('\n')}`, options);
  }
}

/** Input options that keep ffmpeg to the one local file it was given. */
export function lockedInputOptions(demuxer: string): string[] {
  return ['-f', demuxer, '-protocol_whitelist', 'file', '-format_whitelist', demuxer];
}

function fileUrl(path: string): string {
  return `file:${resolve(path)}`;
}

function timemarkSeconds(timemark: string): number {
  const match = /^(-?)(\d+):(\d+):(\d+(?:\.\d+)?)$/.exec(timemark);
  if (!match) return 0;
  return Number(match[2]) * 3600 + Number(match[3]) * 60 + Number(match[4]);
}

export async function runFfmpeg(run: FfmpegRun): Promise<FfmpegResult> {
  const { ffmpegPath, input, outputs, durationSeconds, signal, onProgress, logger = silentLogger } = run;
  if (signal?.aborted) throw new CadenceError('ABORTED', 'ffmpeg was cancelled before it started');
  const ownWorkDir = run.workDir === undefined;
  const workDir = run.workDir ?? (await makeScratchDir('ffmpeg'));

  const command = ffmpeg({ cwd: workDir, stdoutLines: 0 })
    .setFfmpegPath(ffmpegPath)
    .input(fileUrl(input.path))
    .inputOptions(['-nostdin', '-hide_banner', ...lockedInputOptions(input.demuxer)]);
  for (const output of outputs) command.output(output.target).outputOptions(output.options);

  let commandLine = '';
  const stderrLines: string[] = [];
  try {
    if (signal?.aborted) throw new CadenceError('ABORTED', 'ffmpeg was cancelled before it started');
    // Settles only once ffmpeg has exited (fluent-ffmpeg reports 'end' and 'error' on exit), so
    // the caller's cleanup never races a process still writing into the folder.
    await new Promise<void>((resolvePromise, reject) => {
      let spawned = false;
      const abort = (): void => {
        // Before the spawn (fluent-ffmpeg first probes capabilities) there is nothing to kill
        // yet: 'start' kills it the moment it exists instead of letting it run to the end.
        if (spawned) command.kill('SIGKILL');
      };
      signal?.addEventListener('abort', abort, { once: true });
      command
        .on('start', (line: string) => {
          spawned = true;
          if (signal?.aborted) command.kill('SIGKILL');
          commandLine = line;
          logger.debug({ commandLine, workDir }, 'ffmpeg started');
        })
        .on('stderr', (line: string) => {
          stderrLines.push(line);
        })
        .on('progress', (progress: { timemark?: string }) => {
          if (!onProgress || !progress.timemark || durationSeconds <= 0) return;
          const percent = (100 * timemarkSeconds(progress.timemark)) / durationSeconds;
          onProgress(Math.max(0, Math.min(100, percent)));
        })
        .on('end', () => {
          signal?.removeEventListener('abort', abort);
          resolvePromise();
        })
        .on('error', (error: Error) => {
          signal?.removeEventListener('abort', abort);
          if (signal?.aborted) {
            reject(new CadenceError('ABORTED', 'ffmpeg was cancelled', { cause: error }));
            return;
          }
          const tail = stderrLines.filter((line) => !line.startsWith('size=')).slice(-STDERR_TAIL_LINES);
          reject(new FfmpegError(`ffmpeg failed: ${error.message.split('\n')[0]}`, commandLine, tail, { cause: error }));
        })
        .run();
    });
  } finally {
    if (ownWorkDir) await rm(workDir, { recursive: true, force: true });
  }
  onProgress?.(100);
  return { commandLine, stderr: stderrLines.join('\n') };
}

export interface ProbeStream {
  codec_type?: string;
  codec_name?: string;
  sample_rate?: number | string;
  channels?: number;
  sample_fmt?: string;
  bits_per_sample?: number;
  bits_per_raw_sample?: number | string;
  duration_ts?: number | string;
  duration?: number | string;
  disposition?: Record<string, number>;
}

export interface ProbeData {
  streams: ProbeStream[];
  format: { format_name?: string; duration?: number | string };
}

/** ffprobe with the same lock-down as ffmpeg: forced demuxer, plain files only. */
export async function runFfprobe(options: { ffprobePath: string; input: FfmpegInput }): Promise<ProbeData> {
  const { ffprobePath, input } = options;
  return new Promise((resolvePromise, reject) => {
    ffmpeg()
      .setFfprobePath(ffprobePath)
      .input(fileUrl(input.path))
      .ffprobe(['-v', 'error', ...lockedInputOptions(input.demuxer)], (error, data) => {
        if (error) {
          const detail = String((error as Error).message ?? error).split('\n').filter(Boolean).slice(-3).join(' ');
          reject(new CadenceError('FFMPEG', `ffprobe could not read ${input.path}: ${detail}`, { cause: error }));
          return;
        }
        resolvePromise(data as unknown as ProbeData);
      });
  });
}

/** First line of `ffmpeg -version`: part of every version id, since another build encodes differently. */
export async function ffmpegVersion(ffmpegPath: string): Promise<string> {
  const { stdout } = await promisify(execFile)(ffmpegPath, ['-hide_banner', '-version']);
  return stdout.split('\n')[0]!.trim();
}
