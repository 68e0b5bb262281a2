import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { CadenceError } from '../errors/cadence-error.ts';
import { ByteCache } from './byte-cache.ts';
import { createOriginMetrics, type OriginMetrics } from './metrics.ts';
import { requestLog } from './request-log.ts';

const silent = { debug() {}, info() {}, warn() {}, error() {} };
const TOKEN = 'k1.1767225600.abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ';

function tinyApp(metrics: OriginMetrics) {
  const cache = new ByteCache({ maxBytes: 1 << 20 });
  metrics.trackCache('media', cache);
  const app = new Hono();
  app.use(requestLog({ logger: silent, metrics }));
  app.get('/healthz', (c) => c.text('ok'));
  app.get('/media/:token/:isrc/:version/*', async (c) => {
    const { value, hit } = await cache.getOrLoad(c.req.path.split('/').slice(3).join('/'), async () => new Uint8Array(10));
    metrics.recordCache('media', hit);
    return c.body(value as Uint8Array<ArrayBuffer>, 200, { 'Content-Length': String(value.byteLength) });
  });
  app.onError((_error, c) => c.text('internal error', 500));
  app.get('/boom', () => {
    throw new Error('boom');
  });
  return app;
}

function sampleValue(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('createOriginMetrics', () => {
  it('renders the HTTP and cache series with route patterns as labels after requests through an app', async () => {
    const metrics = createOriginMetrics();
    const app = tinyApp(metrics);
    await app.request(`/media/${TOKEN}/GBAYE2600001/v1/aac-160/seg-1.m4s`);
    await app.request(`/media/${TOKEN}/GBAYE2600001/v1/aac-160/seg-1.m4s`);
    await app.request('/healthz');
    await app.request('/no/such/path/abc123');
    await app.request('/boom');
    await app.request('/healthz', { method: 'BREW' });

    const { contentType, body } = await metrics.render();
    expect(contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    const media = 'route="/media/:token/:isrc/:version/*"';
    expect(sampleValue(body, `cadence_http_requests_total{${media},method="GET",status="200"}`)).toBe(2);
    expect(sampleValue(body, `cadence_http_response_bytes_total{${media}}`)).toBe(20);
    expect(sampleValue(body, `cadence_http_request_duration_seconds_count{${media}}`)).toBe(2);
    expect(body).toContain(`cadence_http_request_duration_seconds_bucket{le="0.0001",${media}}`);
    expect(sampleValue(body, 'cadence_http_requests_total{route="/healthz",method="GET",status="200"}')).toBe(1);
    expect(sampleValue(body, 'cadence_http_requests_total{route="unmatched",method="GET",status="404"}')).toBe(1);
    expect(sampleValue(body, 'cadence_http_requests_total{route="/boom",method="GET",status="500"}')).toBe(1);
    expect(sampleValue(body, 'cadence_http_requests_total{route="unmatched",method="OTHER",status="404"}')).toBe(1);
    expect(sampleValue(body, 'cadence_cache_requests_total{cache="media",result="miss"}')).toBe(1);
    expect(sampleValue(body, 'cadence_cache_requests_total{cache="media",result="hit"}')).toBe(1);
    expect(sampleValue(body, 'cadence_cache_entries{cache="media"}')).toBe(1);
    expect(sampleValue(body, 'cadence_cache_bytes{cache="media"}')).toBe(10);

    // Counts are tallied between scrapes: a second scrape adds what came since, once.
    await app.request(`/media/${TOKEN}/GBAYE2600001/v1/aac-160/seg-1.m4s`);
    const again = (await metrics.render()).body;
    expect(sampleValue(again, `cadence_http_requests_total{${media},method="GET",status="200"}`)).toBe(3);
    expect(sampleValue(again, `cadence_http_response_bytes_total{${media}}`)).toBe(30);
    expect(sampleValue(again, 'cadence_cache_requests_total{cache="media",result="hit"}')).toBe(2);
    expect(sampleValue(again, 'cadence_http_requests_total{route="/healthz",method="GET",status="200"}')).toBe(1);
    expect(sampleValue((await metrics.render()).body, `cadence_http_requests_total{${media},method="GET",status="200"}`)).toBe(3);

    // Raw paths and credentials never become label values.
    expect(body).not.toContain(TOKEN);
    expect(body).not.toContain('seg-1');
    expect(body).not.toContain('abc123');
    expect(body).not.toContain('BREW');
    // Default process metrics, under our prefix.
    expect(body).toContain('cadence_process_cpu_user_seconds_total');
    expect(body).toContain('cadence_nodejs_eventloop_lag_seconds');
  });

  it('times storage calls and counts faults, but not absent objects or aborts', async () => {
    let clock = 10;
    const metrics = createOriginMetrics({ defaultMetrics: false, now: () => clock });
    await metrics.timeStorage('getBytes', async () => {
      clock += 0.003;
      return 1;
    });
    await expect(
      metrics.timeStorage('getBytes', async () => {
        throw new CadenceError('STORAGE', 'S3 said 503');
      }),
    ).rejects.toThrow('503');
    await expect(
      metrics.timeStorage('head', async () => {
        throw new CadenceError('NOT_FOUND', 'gone');
      }),
    ).rejects.toThrow('gone');
    await expect(
      metrics.timeStorage('get', async () => {
        throw new CadenceError('ABORTED', 'client left');
      }),
    ).rejects.toThrow('client left');

    const { body } = await metrics.render();
    expect(sampleValue(body, 'cadence_storage_request_duration_seconds_count{operation="getBytes"}')).toBe(2);
    expect(sampleValue(body, 'cadence_storage_request_duration_seconds_bucket{le="0.0025",operation="getBytes"}')).toBe(1);
    expect(sampleValue(body, 'cadence_storage_request_duration_seconds_bucket{le="0.005",operation="getBytes"}')).toBe(2);
    expect(sampleValue(body, 'cadence_storage_errors_total{operation="getBytes"}')).toBe(1);
    expect(sampleValue(body, 'cadence_storage_errors_total{operation="head"}')).toBeUndefined();
    expect(sampleValue(body, 'cadence_storage_errors_total{operation="get"}')).toBeUndefined();
    expect(body).not.toContain('process_cpu');
  });

  it('each instance owns its registry, so two apps in one process do not collide', async () => {
    const first = createOriginMetrics();
    const second = createOriginMetrics();
    first.recordRequest({ route: '/healthz', method: 'GET', status: 200, bytes: 2, seconds: 0.001 });
    const a = await first.render();
    const b = await second.render();
    expect(sampleValue(a.body, 'cadence_http_requests_total{route="/healthz",method="GET",status="200"}')).toBe(1);
    expect(b.body).not.toContain('cadence_http_requests_total{');
  });
});
