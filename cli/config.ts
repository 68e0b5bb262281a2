// Configuration from the environment, read once at the edge (DESIGN.md: every variable has a
// working default on one machine).

import { resolve } from 'node:path';
import { DEFAULT_MAX_DURATION_SECONDS } from '../pipeline/probe.ts';
import { resolveToolPaths } from '../pipeline/tool-paths.ts';
import type { ToolPaths } from '../pipeline/types.ts';

export interface CadenceConfig {
  storeUrl: string;
  catalogPath: string;
  tools: ToolPaths;
  maxDurationSeconds: number;
  logLevel: string;
}

export function readConfig(env: NodeJS.ProcessEnv = process.env): CadenceConfig {
  return {
    storeUrl: env.CADENCE_STORE || 'file://./data/objects',
    catalogPath: resolve(env.CADENCE_CATALOG || './data/catalog.db'),
    tools: resolveToolPaths(env),
    maxDurationSeconds: Number(env.CADENCE_MAX_DURATION) || DEFAULT_MAX_DURATION_SECONDS,
    logLevel: env.LOG_LEVEL ?? 'warn',
  };
}
