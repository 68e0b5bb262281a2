import { describe, expect, it } from 'vitest';
import { serveMetrics, workerMetrics } from './worker-metrics.ts';

describe('workerMetrics', () => {
  it('exports queue depth, job durations by outcome and failures by code', async () => {
    const metrics = workerMetrics({ defaultMetrics: false, queue: { getJobCounts: async () => ({ waiting: 4, active: 2, failed: 1 }) } });
    metrics.jobFinished({ outcome: 'published', seconds: 3 });
    metrics.jobFinished({ outcome: 'failed', seconds: 0.5, error: 'STORAGE: timed out' });
    metrics.jobFinished({ outcome: 'failed', seconds: 0.5, error: 'STORAGE: timed out again' });
    const text = await metrics.registry.metrics();
    expect(text).toContain('cadence_queue_jobs{state="waiting"} 4');
    expect(text).toContain('cadence_queue_jobs{state="active"} 2');
    expect(text).toContain('cadence_queue_jobs{state="delayed"} 0');
    expect(text).toContain('cadence_queue_job_duration_seconds_bucket{le="5",outcome="published"} 1');
    expect(text).toContain('cadence_queue_job_failures_total{code="STORAGE"} 2');
  });

  it('serves GET /metrics and nothing else', async () => {
    const metrics = workerMetrics({ defaultMetrics: false, queue: { getJobCounts: async () => ({}) } });
    const server = await serveMetrics(metrics.registry, { port: 0, host: '127.0.0.1' });
    const { port } = server.address() as { port: number };
    try {
      const ok = await fetch(`http://127.0.0.1:${port}/metrics`);
      expect(ok.status).toBe(200);
      expect(await ok.text()).toContain('cadence_queue_jobs');
      const other = await fetch(`http://127.0.0.1:${port}/`);
      expect(other.status).toBe(404);
      expect(await other.json()).toMatchObject({ error: 'NOT_FOUND' });
    } finally {
      server.close();
    }
  });
});
