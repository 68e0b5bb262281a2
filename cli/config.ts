// Configuration from the environment, read once at the edge (DESIGN.md: every variable has a
// working default on one machine).

import { resolve } from 'node:path';
import { CadenceError } from '../errors/cadence-error.ts';
import { DEFAULT_MAX_DURATION_SECONDS } from '../pipeline/probe.ts';
import { resolveToolPaths } from '../pipeline/tool-paths.ts';
import type { ToolPaths } from '../pipeline/types.ts';

export interface CadenceConfig {
  storeUrl: string;
  catalogPath: string;
  tools: ToolPaths;
  maxDurationSeconds: number;
  logLevel: string;
  /** `CADENCE_QUEUE`: Redis for the job queue, journal nudges and shared state; null on one machine. */
  queueUrl: string | null;
  /** `CADENCE_SNAPSHOT_EVERY`: a catalog snapshot after every N journal entries (0: never). */
  snapshotEvery: number;
  /** `CADENCE_JOURNAL_POLL_MS`: how often a following origin looks for new entries without a nudge. */
  journalPollMs: number;
}

function nonNegativeInteger(env: NodeJS.ProcessEnv, name: string, fallback: number, minimum = 0): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < minimum) throw new CadenceError('BAD_INPUT', `${name}=${raw}: expected a whole number ≥ ${minimum}`);
  return value;
}

function queueUrl(env: NodeJS.ProcessEnv): string | null {
  const raw = env.CADENCE_QUEUE;
  if (!raw) return null;
  if (!/^rediss?:\/\/[^/]+(\/\d+)?$/.test(raw)) throw new CadenceError('BAD_INPUT', `CADENCE_QUEUE=${raw}: expected redis://host:port[/db]`);
  return raw;
}

export function readConfig(env: NodeJS.ProcessEnv = process.env): CadenceConfig {
  return {
    storeUrl: env.CADENCE_STORE || 'file://./data/objects',
    catalogPath: resolve(env.CADENCE_CATALOG || './data/catalog.db'),
    tools: resolveToolPaths(env),
    maxDurationSeconds: Number(env.CADENCE_MAX_DURATION) || DEFAULT_MAX_DURATION_SECONDS,
    logLevel: env.LOG_LEVEL ?? 'warn',
    queueUrl: queueUrl(env),
    snapshotEvery: nonNegativeInteger(env, 'CADENCE_SNAPSHOT_EVERY', 1000),
    journalPollMs: nonNegativeInteger(env, 'CADENCE_JOURNAL_POLL_MS', 1000, 10),
  };
}
