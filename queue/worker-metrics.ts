// Prometheus metrics of a worker, served on its own small HTTP endpoint (`--metrics-port`): the
// queue's depth (read from Redis at scrape time, so every worker shows the same shared numbers),
// how long this worker's jobs took, and its failures by code. A registry of its own, never
// prom-client's global one.

import { createServer, type Server } from 'node:http';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { failureCode } from './retry-policy.ts';

/** 1 s … 20 min: a short master packages in seconds, a long hi-res one in minutes. */
export const JOB_DURATION_BUCKETS = [1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1200];
const DEPTH_STATES = ['waiting', 'active', 'delayed', 'prioritized', 'failed', 'completed'] as const;

export interface QueueCountsSource {
  getJobCounts(...states: string[]): Promise<Record<string, number>>;
}

export interface WorkerMetrics {
  readonly registry: Registry;
  /** A job attempt ended: `published`, `skipped`, `failed` or `handed-back`. */
  jobFinished(sample: { outcome: 'published' | 'skipped' | 'failed' | 'handed-back'; seconds: number; error?: string | null }): void;
}

export function workerMetrics(options: { queue: QueueCountsSource; defaultMetrics?: boolean }): WorkerMetrics {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: 'cadence_worker_' });
  new Gauge({
    name: 'cadence_queue_jobs',
    help: 'Ingest jobs in the shared queue by state (read from Redis at scrape time)',
    labelNames: ['state'],
    registers: [registry],
    async collect() {
      const counts = await options.queue.getJobCounts(...DEPTH_STATES);
      for (const state of DEPTH_STATES) this.set({ state }, counts[state] ?? 0);
    },
  });
  const duration = new Histogram({
    name: 'cadence_queue_job_duration_seconds',
    help: 'Wall time of job attempts on this worker, by outcome',
    labelNames: ['outcome'],
    buckets: JOB_DURATION_BUCKETS,
    registers: [registry],
  });
  const failures = new Counter({
    name: 'cadence_queue_job_failures_total',
    help: 'Failed job attempts on this worker, by error code',
    labelNames: ['code'],
    registers: [registry],
  });
  return {
    registry,
    jobFinished({ outcome, seconds, error }) {
      duration.observe({ outcome }, seconds);
      if (outcome === 'failed') failures.inc({ code: failureCode(error ?? '') });
    },
  };
}

/** GET /metrics in Prometheus text format; everything else 404. */
export function serveMetrics(registry: Registry, options: { port: number; host: string }): Promise<Server> {
  const server = createServer((request, response) => {
    if (request.method !== 'GET' || request.url?.split('?')[0] !== '/metrics') {
      response.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"NOT_FOUND","message":"only GET /metrics is served here"}');
      return;
    }
    registry.metrics().then(
      (text) => response.writeHead(200, { 'content-type': registry.contentType }).end(text),
      (error: unknown) => response.writeHead(503, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'QUEUE', message: `metrics unavailable: ${(error as Error).message}` })),
    );
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve(server));
  });
}
