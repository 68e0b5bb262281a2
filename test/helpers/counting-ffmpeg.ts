// An ffmpeg that logs every call (but `-version`, which only names the build) before running the
// real one: a suite points FFMPEG_PATH at it to prove that an update encoded or decoded nothing.

import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { resolveFfmpegPath } from '../../fixtures/masters.ts';

export interface CountingFfmpeg {
  /** The wrapper to give as FFMPEG_PATH. */
  path: string;
  /** The log of calls, one line each; empty when nothing ran. */
  calls: string;
}

/** Writes the wrapper and an empty log into `dir`. */
export async function countingFfmpeg(dir: string): Promise<CountingFfmpeg> {
  const calls = join(dir, 'ffmpeg-calls.log');
  const path = join(dir, 'ffmpeg-counting');
  await writeFile(path, `#!/bin/sh\ncase " $* " in *" -version "*) ;; *) echo "$@" >> '${calls}' ;; esac\nexec '${resolveFfmpegPath()}' "$@"\n`);
  await chmod(path, 0o755);
  await writeFile(calls, '');
  return { path, calls };
}
