// Configuration from the environment, read once at the edge (DESIGN.md: every variable has a
// working default on one machine).

import { resolve } from 'node:path';
import { DEFAULT_MAX_DURATION_SECONDS } from '../pipeline/probe.ts';
import { resolveToolPaths } from '../pipeline/tool-paths.ts';
import type { ToolPaths } from '../pipeline/types.ts';
import { parseRedisUrl } from '../queue/redis-url.ts';
import type { RedisTarget } from '../queue/types.ts';

export interface CadenceConfig {
  storeUrl: string;
  catalogPath: string;
  tools: ToolPaths;
  maxDurationSeconds: number;
  logLevel: string;
  /** `CADENCE_QUEUE`: ingest through BullMQ workers on this Redis; null = in-process (the default). */
  queue: RedisTarget | null;
}

export function readConfig(env: NodeJS.ProcessEnv = process.env): CadenceConfig {
  return {
    storeUrl: env.CADENCE_STORE || 'file://./data/objects',
    catalogPath: resolve(env.CADENCE_CATALOG || './data/catalog.db'),
    tools: resolveToolPaths(env),
    maxDurationSeconds: Number(env.CADENCE_MAX_DURATION) || DEFAULT_MAX_DURATION_SECONDS,
    logLevel: env.LOG_LEVEL ?? 'warn',
    queue: env.CADENCE_QUEUE ? parseRedisUrl(env.CADENCE_QUEUE) : null,
  };
}
