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
  /**
   * CADENCE_CDN_PURGE_COMMAND: run after `cadence takedown`/`restore` with the changed ISRCs as
   * arguments (split on spaces, no shell), e.g. `cdn/purge-nginx-cache.sh /var/lib/cadence-cdn/cache`.
   */
  purgeCommand: string[] | null;
}

export function readConfig(env: NodeJS.ProcessEnv = process.env): CadenceConfig {
  return {
    storeUrl: env.CADENCE_STORE || 'file://./data/objects',
    catalogPath: resolve(env.CADENCE_CATALOG || './data/catalog.db'),
    tools: resolveToolPaths(env),
    maxDurationSeconds: Number(env.CADENCE_MAX_DURATION) || DEFAULT_MAX_DURATION_SECONDS,
    logLevel: env.LOG_LEVEL ?? 'warn',
    purgeCommand: env.CADENCE_CDN_PURGE_COMMAND?.trim() ? env.CADENCE_CDN_PURGE_COMMAND.trim().split(/\s+/) : null,
  };
}
