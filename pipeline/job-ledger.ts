// The ingest job log as the pipeline uses it: each track's job is started and finished in the
// catalog, owned by this process. Recording is bookkeeping: a catalog that stays busy (another
// process holding the write lock past the retry bound) must not turn a published track into a
// failure, so a failed record is logged and the work goes on. The row then stays `running`
// under this process, and the next run marks it (failAbandonedJobs) once this process is gone.

import type { Catalog, JobRecord, JobState } from '../catalog/types.ts';
import { type ProcessOwner, currentOwner, ownerIsGone } from './process-owner.ts';
import type { Logger } from './types.ts';

export interface TrackJob {
  /** Never throws. */
  finish(state: Exclude<JobState, 'running'>, version: string | null, error: string | null): void;
}

export interface JobLedger {
  /** Never throws. */
  start(isrc: string, delivery: string): TrackJob;
  /** Marks jobs of processes that are gone; returns them (never throws). */
  failAbandoned(): JobRecord[];
}

export function jobLedger(catalog: Catalog, logger: Logger, owner: ProcessOwner = currentOwner()): JobLedger {
  return {
    start(isrc, delivery) {
      let id: number | null = null;
      try {
        id = catalog.startJob({ isrc, delivery, owner });
      } catch (error) {
        logger.warn({ isrc, err: error }, 'could not record the start of the ingest job');
      }
      return {
        finish(state, version, error) {
          if (id === null) return;
          try {
            catalog.finishJob(id, { state, version, error });
          } catch (failure) {
            logger.warn({ isrc, job: id, state, err: failure }, 'could not record the outcome of the ingest job; the next run marks it');
          }
        },
      };
    },
    failAbandoned() {
      try {
        return catalog.failAbandonedJobs(ownerIsGone);
      } catch (error) {
        logger.warn({ err: error }, 'could not mark abandoned ingest jobs');
        return [];
      }
    },
  };
}
