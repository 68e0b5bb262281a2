// Configuration from the environment, read once at the edge (DESIGN.md: every variable has a
// working default on one machine). Every variable goes through cli/env-settings.ts: a value it
// does not accept stops the command at start with BAD_CONFIG naming the variable.

import { resolve } from 'node:path';
import { isCadenceError } from '../errors/cadence-error.ts';
import { DEFAULT_MAX_DURATION_SECONDS } from '../pipeline/probe.ts';
import { resolveToolPaths } from '../pipeline/tool-paths.ts';
import type { ToolPaths } from '../pipeline/types.ts';
import { type S3StoreSettings, s3OptionsFromEnv } from '../storage/s3-settings.ts';
import { parseStoreUrl } from '../storage/store-url.ts';
import { type EnvSettings, readSettings } from './env-settings.ts';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
import { parseRedisUrl } from '../queue/redis-url.ts';
import { DEFAULT_PLAY_STREAM_MAX_LEN } from '../plays/types.ts';
import type { RedisTarget } from '../queue/types.ts';

export interface CadenceConfig {
  storeUrl: string;
  catalogPath: string;
  tools: ToolPaths;
  maxDurationSeconds: number;
  /** LOG_LEVEL, or null for each command's own default (`serve`: info; the others: warn). */
  logLevel: LogLevel | null;
  /** AWS_REGION, AWS_ENDPOINT_URL(_S3), credentials, CADENCE_S3_MAX_ATTEMPTS: for an s3:// store. */
  s3: S3StoreSettings;
  /**
   * CADENCE_CDN_PURGE_COMMAND: run after `cadence takedown` with the changed ISRCs as its last
   * arguments (split on spaces, no shell) and CADENCE_PURGE_PATHS (cli/cdn-purge.ts) in its
   * environment, e.g. `cdn/purge-nginx-cache.sh /var/lib/cadence-cdn/cache`.
   */
  purgeCommand: string[] | null;
  /** `CADENCE_QUEUE`: Redis for the job queue, journal nudges and shared state; null on one machine. */
  queueUrl: string | null;
  /** The same, parsed (queue/redis-url.ts): ingest through BullMQ workers on this Redis; null = in-process. */
  queue: RedisTarget | null;
  /** `CADENCE_SNAPSHOT_EVERY`: a catalog snapshot after every N journal entries (0: never). */
  snapshotEvery: number;
  /** `CADENCE_JOURNAL_POLL_MS`: how often a following origin looks for new entries without a nudge. */
  journalPollMs: number;
  /** `CADENCE_PLAY_STREAM_MAX_LEN`: entries the shared play stream keeps (XADD MAXLEN ~), with CADENCE_QUEUE. */
  playStreamMaxLen: number;
}

export const DEFAULT_STORE_URL = 'file://./data/objects';
export const DEFAULT_CATALOG_PATH = './data/catalog.db';

export function readConfig(env: NodeJS.ProcessEnv = process.env): CadenceConfig {
  return readSettings(env, (read) => {
    // Parsed once, so every user of CADENCE_QUEUE (queue, journal nudges, listeners) gets it checked at start.
    const queue = redisTarget(read);
    return {
      storeUrl: read.custom('CADENCE_STORE', DEFAULT_STORE_URL, (value) => {
        parseStoreUrl(value); // refuses with a message saying what it accepts
        return value;
      }),
      catalogPath: resolve(
        read.text('CADENCE_CATALOG', DEFAULT_CATALOG_PATH, { test: (value) => !value.includes('\0'), accepts: 'a file path' }),
      ),
      tools: resolveToolPaths({ FFMPEG_PATH: read.raw('FFMPEG_PATH'), FFPROBE_PATH: read.raw('FFPROBE_PATH') }),
      maxDurationSeconds: read.number('CADENCE_MAX_DURATION', DEFAULT_MAX_DURATION_SECONDS, { min: 1, max: 7 * 86400, integer: false, unit: 'seconds' }),
      logLevel: read.choice('LOG_LEVEL', LOG_LEVELS, null),
      s3: s3Settings(env, read),
      purgeCommand: read.custom('CADENCE_CDN_PURGE_COMMAND', null, (value) => value.split(/\s+/)),
      queue,
      queueUrl: queue ? read.raw('CADENCE_QUEUE')! : null,
      snapshotEvery: read.number('CADENCE_SNAPSHOT_EVERY', 1000, { min: 0, max: 1_000_000_000, unit: 'journal entries (0: never)' }),
      journalPollMs: read.number('CADENCE_JOURNAL_POLL_MS', 1000, { min: 10, max: 3_600_000, unit: 'milliseconds' }),
      playStreamMaxLen: read.number('CADENCE_PLAY_STREAM_MAX_LEN', DEFAULT_PLAY_STREAM_MAX_LEN, { min: 1000, max: 1_000_000_000, unit: 'stream entries' }),
    };
  });
}

/** storage/s3-settings.ts checks its variables itself; a refusal joins the others here. */
function s3Settings(env: NodeJS.ProcessEnv, read: EnvSettings): S3StoreSettings {
  try {
    return s3OptionsFromEnv(env);
  } catch (error) {
    if (!isCadenceError(error)) throw error;
    read.refuse(error.message);
    return {};
  }
}

/** CADENCE_QUEUE through queue/redis-url.ts, whose message names the variable and hides a password. */
function redisTarget(read: EnvSettings): RedisTarget | null {
  const value = read.raw('CADENCE_QUEUE');
  if (value === undefined) return null;
  try {
    return parseRedisUrl(value);
  } catch (error) {
    if (!isCadenceError(error)) throw error;
    read.refuse(error.message);
    return null;
  }
}
