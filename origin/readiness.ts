// `GET /readyz`: can this node serve? The catalog passes SQLite's quick integrity check and
// storage answers a read. `/healthz` stays liveness (the process runs); a load balancer takes a
// node out of rotation on 503 here, instead of sending listeners to a node whose every route fails.
// The answer names which part failed, never a path, URL or SQLite text: those go to the log.

import type { Context } from 'hono';
import type { Catalog } from '../catalog/types.ts';
import { TRACKS_PREFIX } from '../storage/layout.ts';
import type { ObjectStore } from '../storage/types.ts';
import type { OriginLogger } from './types.ts';

export interface ReadinessOptions {
  catalog: Pick<Catalog, 'quickCheck'>;
  store: Pick<ObjectStore, 'head'>;
  /** A passed catalog check is reused this long: quick_check reads every page of the file. */
  catalogRecheckMs?: number;
  /** A storage read slower than this counts as unreadable. */
  storageTimeoutMs?: number;
  /** Clock in ms; tests pin it. */
  now?: () => number;
}

export interface ReadinessReport {
  ready: boolean;
  checks: { catalog: 'ok' | 'failed'; storage: 'ok' | 'failed' };
  /** What failed, in detail, for the log only. */
  problems: string[];
}

/** A key no version ever has: reading it asks storage to answer, and absent is a fine answer. */
const PROBE_KEY = `${TRACKS_PREFIX}READINESS-PROBE/absent`;

export function createReadinessCheck({ catalog, store, catalogRecheckMs = 30_000, storageTimeoutMs = 2_000, now = Date.now }: ReadinessOptions): () => Promise<ReadinessReport> {
  let catalogPassedAt = -Infinity;

  let running: Promise<string | null> | null = null;

  function checkCatalog(): Promise<string | null> {
    if (now() - catalogPassedAt < catalogRecheckMs) return Promise.resolve(null);
    // Probes arriving together share one check.
    running ??= catalog.quickCheck().then((problem) => {
      running = null;
      if (problem === null) catalogPassedAt = now();
      return problem;
    });
    return running;
  }

  async function checkStorage(): Promise<string | null> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<string>((resolve) => {
      timer = setTimeout(() => resolve(`storage did not answer within ${storageTimeoutMs} ms`), storageTimeoutMs);
    });
    const read = store.head(PROBE_KEY).then(
      () => null,
      (error: unknown) => (error instanceof Error ? error.message : String(error)),
    );
    try {
      return await Promise.race([read, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  return async () => {
    const [catalogProblem, storageProblem] = await Promise.all([checkCatalog(), checkStorage()]);
    return {
      ready: catalogProblem === null && storageProblem === null,
      checks: { catalog: catalogProblem === null ? 'ok' : 'failed', storage: storageProblem === null ? 'ok' : 'failed' },
      problems: [...(catalogProblem ? [`catalog: ${catalogProblem}`] : []), ...(storageProblem ? [`storage: ${storageProblem}`] : [])],
    };
  };
}

/** The hono handler: 200 `{ status: 'ready', checks }`, or 503 `{ error: 'not_ready', message, checks }`. */
export function readinessRoute(check: () => Promise<ReadinessReport>, logger: OriginLogger) {
  return async (c: Context): Promise<Response> => {
    const report = await check();
    c.header('Cache-Control', 'no-store');
    if (report.ready) return c.json({ status: 'ready', checks: report.checks }, 200);
    logger.warn({ problems: report.problems }, 'not ready');
    const failed = Object.entries(report.checks).filter(([, state]) => state === 'failed').map(([name]) => name);
    return c.json({ error: 'not_ready', message: `${failed.join(' and ')} not usable`, checks: report.checks }, 503);
  };
}
