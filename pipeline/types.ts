// Contracts of the pipeline folder.

import type { StoreLogger } from '../storage/types.ts';

/** The slice of pino's interface that library code uses (one definition, in storage/types.ts). */
export type Logger = StoreLogger;

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

export interface ToolPaths {
  ffmpegPath: string;
  ffprobePath: string;
}

export type MasterFormat = 'wav' | 'flac' | 'aiff';

/** What the probe learned about an accepted master. */
export interface MasterInfo {
  path: string;
  format: MasterFormat;
  codec: string;
  sampleRate: number;
  channels: number;
  /** 16 or 24 for integer PCM, 32 for float. */
  bitDepth: number;
  sampleFormat: 'int' | 'float';
  /** Samples per channel the container declares. */
  declaredSamples: number;
  /** Uncompressed data already checked to be all there, so no decode check is needed. */
  completeData: boolean;
  durationSeconds: number;
}
