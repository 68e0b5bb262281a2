// A version id names one packaging of one master: the master's bytes plus everything that shapes
// the output (ladder arguments, fragmenting, packager revision, ffmpeg build). Same inputs, same id:
// a re-run finds its work already done, and two concurrent ingests write the same keys.

import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { LADDER, encodeArguments, fragmentLength, loudnessArguments, renditionSampleRate } from './ladder.ts';
import type { MasterInfo } from './types.ts';

/** Bump when the packager's output changes for the same encoder output. */
export const PACKAGER_REVISION = 1;

export async function fileSha256(path: string, signal?: AbortSignal): Promise<string> {
  return fileDigest(path, 'sha256', signal);
}

/** Lower-case hex digest of a file, streamed (`algorithm` as node:crypto names it). */
export async function fileDigest(path: string, algorithm: string, signal?: AbortSignal): Promise<string> {
  const hash = createHash(algorithm);
  for await (const chunk of createReadStream(path, { signal })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export function packagingSettings(master: MasterInfo, ffmpegBuild: string): object {
  return {
    packager: PACKAGER_REVISION,
    ffmpeg: ffmpegBuild,
    fragmentLength: fragmentLength(master.sampleRate),
    loudness: loudnessArguments(),
    ladder: LADDER.map((profile) => ({
      id: profile.id,
      sampleRate: renditionSampleRate(profile, master),
      args: encodeArguments(profile, master),
    })),
  };
}

export function versionId(masterSha256: string, settings: object): string {
  return createHash('sha256').update(`${masterSha256}\n${JSON.stringify(settings)}`).digest('hex').slice(0, 20);
}
