// Where ffmpeg and ffprobe live: the npm-installed builds unless FFMPEG_PATH / FFPROBE_PATH say
// otherwise. Called at the edge (CLI, scripts); library code receives the paths.

import { createRequire } from 'node:module';
import type { ToolPaths } from './types.ts';

const require = createRequire(import.meta.url);

export function resolveToolPaths(env: NodeJS.ProcessEnv): ToolPaths {
  return {
    ffmpegPath: env.FFMPEG_PATH || (require('@ffmpeg-installer/ffmpeg') as { path: string }).path,
    ffprobePath: env.FFPROBE_PATH || (require('@ffprobe-installer/ffprobe') as { path: string }).path,
  };
}
