// `cadence package`: one master in, a folder of four fragmented MP4 renditions, HLS and DASH
// manifests and the media description out. The folder appears all at once (staged, then renamed)
// or not at all.

import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { describeRendition } from '../manifests/describe.ts';
import { writeMpd } from '../manifests/dash-writer.ts';
import { writeMediaPlaylist, writeMultivariantPlaylist } from '../manifests/hls-writer.ts';
import type { Loudness, MediaDescription, Rendition } from '../manifests/types.ts';
import { CadenceError, MediaError } from '../errors/cadence-error.ts';
import { DASH_MANIFEST, DESCRIPTION_FILE, MULTIVARIANT_PLAYLIST } from '../storage/layout.ts';
import { runFfmpeg } from './ffmpeg-runner.ts';
import { fragmentFile } from './fragmenter.ts';
import {
  LADDER,
  LOUDNESS_COST,
  type RenditionProfile,
  encodeArguments,
  fragmentLength,
  intermediateFile,
  loudnessArguments,
  renditionSampleRate,
} from './ladder.ts';
import { parseLoudnessSummary } from './loudness.ts';
import { readTopLevelBoxes } from './mp4-file.ts';
import { makeScratchDir } from './scratch-dir.ts';
import { probeMaster, verifyDecode } from './probe.ts';
import { type Logger, type MasterInfo, type ToolPaths, silentLogger } from './types.ts';
import { planWorkers } from './work-plan.ts';


export interface PackageOptions extends ToolPaths {
  master: string;
  outDir: string;
  /** Replace an existing, non-empty output folder. */
  force?: boolean;
  maxDurationSeconds?: number;
  /** ffmpeg processes to run at once; defaults to the number of cores. */
  workers?: number;
  signal?: AbortSignal;
  onProgress?: (percent: number, stage: string) => void;
  logger?: Logger;
}

export interface PackageResult {
  outDir: string;
  description: MediaDescription;
}

type EncodeJob = { kind: 'rendition'; profile: RenditionProfile; cost: number } | { kind: 'loudness'; cost: number };

async function isNonEmptyFolder(path: string): Promise<boolean> {
  const info = await stat(path).catch(() => null);
  if (!info) return false;
  if (!info.isDirectory()) throw new CadenceError('OUTPUT_EXISTS', `${path} exists and is not a folder`);
  return (await readdir(path)).length > 0;
}

export async function packageMaster(options: PackageOptions): Promise<PackageResult> {
  const { ffmpegPath, ffprobePath, signal, logger = silentLogger } = options;
  const report = options.onProgress ?? (() => {});
  const outDir = resolve(options.outDir);
  if ((await isNonEmptyFolder(outDir)) && !options.force) {
    throw new CadenceError('OUTPUT_EXISTS', `${outDir} already exists and is not empty (use --force to replace it)`);
  }

  report(0, 'probe');
  const master = await probeMaster(options.master, { ffprobePath, maxDurationSeconds: options.maxDurationSeconds });
  if (signal?.aborted) throw new CadenceError('ABORTED', 'packaging was cancelled');
  const workDir = await makeScratchDir('package');
  await mkdir(dirname(outDir), { recursive: true });
  const staging = join(dirname(outDir), `.${basename(outDir)}.partial-${randomBytes(4).toString('hex')}`);
  try {
    const samples = await verifyDecode(master, { ffmpegPath, workDir, signal });
    logger.info({ master: master.path, format: master.format, sampleRate: master.sampleRate, samples }, 'master accepted');

    const loudness = await encodeAll({ master, ffmpegPath, workDir, signal, logger, workers: options.workers, report });

    report(90, 'package');
    await mkdir(staging);
    const renditions: Rendition[] = [];
    for (const profile of LADDER) {
      renditions.push(await packageRendition({ profile, master, samples, workDir, staging }));
    }
    const description: MediaDescription = {
      version: 1,
      master: {
        format: master.format,
        sampleRate: master.sampleRate,
        channels: master.channels,
        bitDepth: master.bitDepth,
        sampleFormat: master.sampleFormat,
        samples,
      },
      duration: samples / master.sampleRate,
      segmentDuration: fragmentLength(master.sampleRate) / master.sampleRate,
      loudness,
      renditions,
    };
    await writeManifests(staging, description);
    await publishFolder(staging, outDir);
    report(100, 'done');
    return { outDir, description };
  } finally {
    await rm(workDir, { recursive: true, force: true });
    await rm(staging, { recursive: true, force: true });
  }
}

/** Runs every encode plus the loudness measurement, split across ffmpeg processes. */
async function encodeAll(context: {
  master: MasterInfo;
  ffmpegPath: string;
  workDir: string;
  signal?: AbortSignal;
  logger: Logger;
  workers?: number;
  report: (percent: number, stage: string) => void;
}): Promise<Loudness> {
  const { master, ffmpegPath, workDir, logger, report } = context;
  const jobs: EncodeJob[] = [
    ...LADDER.map((profile): EncodeJob => ({ kind: 'rendition', profile, cost: profile.cost })),
    { kind: 'loudness', cost: LOUDNESS_COST },
  ];
  const groups = planWorkers(jobs, context.workers ?? availableParallelism());
  const totalCost = jobs.reduce((sum, job) => sum + job.cost, 0);
  const progress = groups.map(() => 0);

  // One failed worker cancels the others: there is no point finishing half a ladder.
  const abort = new AbortController();
  const onOuterAbort = (): void => abort.abort();
  context.signal?.addEventListener('abort', onOuterAbort, { once: true });
  try {
    // allSettled, not all: every ffmpeg has exited before this returns or throws, so the caller's
    // cleanup of workDir never races an encode still writing (a 100 MB flac.encoded.mp4 left behind).
    const settled = await Promise.allSettled(
      groups.map(async (group, index) => {
        const groupCost = group.reduce((sum, job) => sum + job.cost, 0);
        try {
          return await runFfmpeg({
            ffmpegPath,
            input: { path: master.path, demuxer: master.format },
            outputs: group.map((job) =>
              job.kind === 'loudness'
                ? { target: '-', options: loudnessArguments() }
                : { target: intermediateFile(job.profile), options: encodeArguments(job.profile, master) },
            ),
            durationSeconds: master.durationSeconds,
            workDir,
            signal: abort.signal,
            logger,
            onProgress: (percent) => {
              progress[index] = (percent * groupCost) / totalCost;
              report(Math.min(89, (0.9 * progress.reduce((sum, value) => sum + value, 0))), 'encode');
            },
          }).then((result) => ({ group, result }));
        } catch (error) {
          abort.abort();
          throw error;
        }
      }),
    );
    const failures = settled.flatMap((outcome) => (outcome.status === 'rejected' ? [outcome.reason as unknown] : []));
    // The worker that failed first is the cause; the others were cancelled because of it.
    const cause = failures.find((error) => !isAborted(error)) ?? failures[0];
    if (cause !== undefined && !context.signal?.aborted) throw cause;
    const results = settled.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : []));
    if (context.signal?.aborted) throw new CadenceError('ABORTED', 'packaging was cancelled');
    const loudnessRun = results.find(({ group }) => group.some((job) => job.kind === 'loudness'))!;
    return parseLoudnessSummary(loudnessRun.result.stderr);
  } finally {
    context.signal?.removeEventListener('abort', onOuterAbort);
  }
}

function isAborted(error: unknown): boolean {
  return error instanceof CadenceError && error.code === 'ABORTED';
}

async function packageRendition(context: {
  profile: RenditionProfile;
  master: MasterInfo;
  samples: number;
  workDir: string;
  staging: string;
}): Promise<Rendition> {
  const { profile, master, samples, workDir, staging } = context;
  const rate = renditionSampleRate(profile, master);
  const ratio = master.sampleRate / rate; // 1, 2 or 4
  const file = `${profile.id}.mp4`;
  const target = join(staging, file);
  const fragmented = await fragmentFile({
    source: join(workDir, intermediateFile(profile)),
    target,
    fragmentLength: fragmentLength(master.sampleRate) / ratio,
    presentedSamples: Math.round(samples / ratio),
  });
  // Lossless means every sample: FLAC must hold exactly the master's length, no more, no less.
  if (profile.codec === 'flac' && fragmented.encodedSamples !== samples) {
    throw new MediaError(`FLAC encode holds ${fragmented.encodedSamples} samples, the master ${samples}`);
  }
  const boxes = await readTopLevelBoxes(target, new Set(['ftyp', 'moov', 'sidx', 'moof']));
  const { size } = await stat(target);
  return describeRendition({
    id: profile.id,
    file,
    fileSize: size,
    nominalBitrate: profile.nominalBitrate,
    segmentDuration: fragmentLength(master.sampleRate) / master.sampleRate,
    boxes,
  });
}

async function writeManifests(folder: string, description: MediaDescription): Promise<void> {
  const files: Array<[string, string]> = [
    [DESCRIPTION_FILE, `${JSON.stringify(description, null, 2)}\n`],
    [MULTIVARIANT_PLAYLIST, writeMultivariantPlaylist(description)],
    [DASH_MANIFEST, writeMpd(description)],
    ...description.renditions.map((rendition): [string, string] => [`${rendition.id}.m3u8`, writeMediaPlaylist(rendition)]),
  ];
  for (const [name, text] of files) await writeFile(join(folder, name), text);
}

/** Moves the staged folder into place; an existing folder (with --force) is swapped out first. */
async function publishFolder(staging: string, outDir: string): Promise<void> {
  const previous = `${staging}.previous`;
  const hadPrevious = await stat(outDir).then(() => true, () => false);
  if (hadPrevious) await rename(outDir, previous);
  await rename(staging, outDir);
  if (hadPrevious) await rm(previous, { recursive: true, force: true });
}
